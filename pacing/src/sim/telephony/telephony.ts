// Simulated telephony behind the CallControl interface. Runs on any Clock: virtual time in the
// simulator, real time in the demo campaign.
import type {
  CallControl,
  CallControlEvent,
  CallControlListener,
  HangupBy,
  OriginateRequest,
} from "../../core/call-control.ts";
import type { Clock, TimerHandle } from "./clock.ts";
import type { CallPlan, CustomerModel } from "./customers.ts";

type Phase = "ringing" | "answered" | "detected" | "bridged" | "message" | "ended";

interface SimCall {
  req: OriginateRequest;
  plan: CallPlan;
  startedAt: number;
  phase: Phase;
  timers: TimerHandle[];
}

export interface SimTelephonyOptions {
  /** Media latency before a requested message starts playing. */
  messageLatencyMs: number;
  /** Length of the information message. */
  messageS: number;
  /** Maps an originate request to the customer identity the model knows (lead key, attempt no). */
  identify: (req: OriginateRequest) => { leadKey: string; attemptNo: number };
}

export class SimCallControl implements CallControl {
  readonly #clock: Clock;
  readonly #model: CustomerModel;
  readonly #opts: SimTelephonyOptions;
  readonly #calls = new Map<string, SimCall>();
  readonly #listeners = new Set<CallControlListener>();
  /** Ground truth per attempt, for measurement only (real telephony has none). */
  readonly truth = new Map<string, CallPlan>();

  constructor(clock: Clock, model: CustomerModel, opts: SimTelephonyOptions) {
    this.#clock = clock;
    this.#model = model;
    this.#opts = opts;
  }

  onEvent(listener: CallControlListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get activeCalls(): number {
    return this.#calls.size;
  }

  #emit(e: CallControlEvent): void {
    for (const l of this.#listeners) l(e);
  }

  #at(call: SimCall, delayMs: number, fn: () => void): void {
    call.timers.push(this.#clock.schedule(delayMs, fn));
  }

  #end(call: SimCall, by: HangupBy): void {
    if (call.phase === "ended") return;
    call.phase = "ended";
    for (const t of call.timers) this.#clock.cancel(t);
    this.#calls.delete(call.req.attemptId);
    this.#emit({ type: "hungup", attemptId: call.req.attemptId, at: this.#clock.now(), by });
  }

  originate(req: OriginateRequest): void {
    const now = this.#clock.now();
    const id = this.#opts.identify(req);
    const plan = this.#model.plan({ leadKey: id.leadKey, attemptNo: id.attemptNo, atMs: now });
    this.truth.set(req.attemptId, plan);
    const call: SimCall = { req, plan, startedAt: now, phase: "ringing", timers: [] };
    this.#calls.set(req.attemptId, call);
    const aid = req.attemptId;
    this.#emit({ type: "dialing", attemptId: aid, at: now });
    const fail = (
      cause: "busy" | "invalid_number" | "unreachable" | "no_answer",
      sipCode: number,
      afterS: number,
    ) =>
      this.#at(call, afterS * 1000, () => {
        call.phase = "ended";
        this.#calls.delete(aid);
        this.#emit({ type: "failed", attemptId: aid, at: this.#clock.now(), cause, sipCode, ringS: afterS });
      });
    switch (plan.outcome) {
      case "busy":
        fail("busy", 486, plan.ringS);
        return;
      case "invalid":
        fail("invalid_number", 404, plan.ringS);
        return;
      case "unreachable":
        fail("unreachable", 480, plan.ringS);
        return;
      default:
    }
    this.#at(call, 300, () => this.#emit({ type: "ringing", attemptId: aid, at: this.#clock.now() }));
    if (plan.ringS > req.ringTimeoutS) {
      fail("no_answer", 408, req.ringTimeoutS);
      return;
    }
    this.#at(call, plan.ringS * 1000, () => {
      call.phase = "answered";
      this.#emit({ type: "answered", attemptId: aid, at: this.#clock.now(), ringS: plan.ringS });
      this.#at(call, plan.detectMs, () => {
        call.phase = "detected";
        // A person left in silence hangs up after their patience; a machine records until it stops.
        // Armed before the event so a bridge or hang-up in a listener cancels it.
        const waitS = plan.outcome === "live" ? plan.patienceS : 30;
        this.#at(call, waitS * 1000, () => this.#end(call, "customer"));
        this.#emit({
          type: "detected",
          attemptId: aid,
          at: this.#clock.now(),
          detection: req.amd ? plan.detectedAs : "unknown",
          detectMs: plan.detectMs,
        });
      });
    });
  }

  cancel(attemptId: string): void {
    const call = this.#calls.get(attemptId);
    if (call?.phase !== "ringing") return;
    call.phase = "ended";
    for (const t of call.timers) this.#clock.cancel(t);
    this.#calls.delete(attemptId);
    this.#emit({
      type: "failed",
      attemptId,
      at: this.#clock.now(),
      cause: "cancelled",
      sipCode: 487,
      ringS: (this.#clock.now() - call.startedAt) / 1000,
    });
  }

  hangup(attemptId: string, by: HangupBy = "system"): void {
    const call = this.#calls.get(attemptId);
    if (call) this.#end(call, by);
  }

  bridge(attemptId: string, agentId: string): void {
    const call = this.#calls.get(attemptId);
    if (!call || (call.phase !== "detected" && call.phase !== "answered")) return;
    for (const t of call.timers) this.#clock.cancel(t);
    call.timers = [];
    call.phase = "bridged";
    this.#emit({ type: "bridged", attemptId, at: this.#clock.now(), agentId });
    this.#at(call, call.plan.talkS * 1000, () =>
      this.#end(call, call.plan.outcome === "live" ? "customer" : "agent"),
    );
  }

  playMessage(attemptId: string, messageId: string): void {
    const call = this.#calls.get(attemptId);
    if (!call || (call.phase !== "detected" && call.phase !== "answered")) return;
    this.#at(call, this.#opts.messageLatencyMs, () => {
      if (call.phase === "ended") return;
      call.phase = "message";
      this.#emit({ type: "message_started", attemptId, at: this.#clock.now(), messageId });
      this.#at(call, this.#opts.messageS * 1000, () => this.#end(call, "system"));
    });
  }
}
