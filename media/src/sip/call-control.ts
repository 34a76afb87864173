// pacing's CallControl boundary over SIP and RTP: drachtio-srf places and ends calls, rtpengine
// anchors and bridges their media, our analysis listens to the customer leg. Commands are
// fire-and-forget; everything that happens comes back as CallControlEvents.
import {
  type CallControl,
  CallControlError,
  type CallControlEvent,
  type CallControlListener,
  type HangupBy,
  type OriginateRequest,
} from "@cc/pacing";
import type Srf from "drachtio-srf";
import type { Logger } from "pino";
import type { Rtpengine } from "../engine/rtpengine.ts";
import type { AgentSessions } from "./agent-sessions.ts";
import { OutboundCall } from "./outbound-call.ts";
import type { LegAnalysis } from "./ports.ts";
import { routeFor, type TrunkConfig, TrunkGate } from "./trunks.ts";

export interface SipCallControlOptions {
  srf: Srf;
  engine: Rtpengine;
  agents: AgentSessions;
  trunks: TrunkConfig[];
  mediaHost: string;
  /** A fresh analysis for a call of this campaign (null: no analysis). */
  analysisFor: (campaignId: string) => LegAnalysis | null;
  maxDetectMs: number;
  /** Prefix of rtpengine call ids, e.g. "cc-media-1-" (a restart deletes what it finds under it). */
  callIdPrefix: string;
  /** Audio file (as rtpengine reads it) of a message id, e.g. a campaign's abandon message. */
  messageFile: (messageId: string, campaignId: string) => string | null;
  /** Runs before an answered call's rtpengine call is deleted (call quality reads its statistics). */
  beforeRelease?: (call: OutboundCall, agentId: string | null) => Promise<void>;
  log: Logger;
}

export class SipCallControl implements CallControl {
  readonly #o: SipCallControlOptions;
  readonly #calls = new Map<string, OutboundCall>();
  readonly #listeners = new Set<CallControlListener>();
  readonly #gates: Map<string, TrunkGate>;
  readonly #trunkOf = new Map<string, TrunkGate>();

  constructor(o: SipCallControlOptions) {
    this.#o = o;
    this.#gates = new Map(o.trunks.map((t) => [t.id, new TrunkGate(t)]));
  }

  onEvent(listener: CallControlListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get activeCalls(): number {
    return this.#calls.size;
  }

  calls(): OutboundCall[] {
    return [...this.#calls.values()];
  }

  get(attemptId: string): OutboundCall | undefined {
    return this.#calls.get(attemptId);
  }

  #emit(e: CallControlEvent): void {
    for (const l of this.#listeners) {
      try {
        l(e);
      } catch (err) {
        this.#o.log.error({ err, event: e.type }, "call-control listener failed");
      }
    }
  }

  originate(req: OriginateRequest): void {
    if (this.#calls.has(req.attemptId)) {
      throw new CallControlError(`attempt ${req.attemptId} is already in progress`, "DUPLICATE_ATTEMPT");
    }
    const gate = this.#gates.get(routeFor(this.#o.trunks, req.phone).id)!;
    const call = new OutboundCall(req, {
      srf: this.#o.srf,
      engine: this.#o.engine,
      trunk: gate.trunk,
      mediaHost: this.#o.mediaHost,
      analysis: req.amd ? this.#o.analysisFor(req.campaignId) : null,
      maxDetectMs: this.#o.maxDetectMs,
      callIdPrefix: this.#o.callIdPrefix,
      emit: (e) => this.#emit(e),
      ended: (c) => {
        if (this.#calls.get(c.req.attemptId) === c) this.#calls.delete(c.req.attemptId);
        this.#trunkOf.get(c.req.attemptId)?.release();
        this.#trunkOf.delete(c.req.attemptId);
      },
      ...(this.#o.beforeRelease ? { beforeRelease: this.#o.beforeRelease } : {}),
      log: this.#o.log,
    });
    this.#calls.set(req.attemptId, call);
    void this.#launch(call, gate);
  }

  async #launch(call: OutboundCall, gate: TrunkGate): Promise<void> {
    if (!(await gate.acquire())) {
      this.#calls.delete(call.req.attemptId);
      this.#emit({
        type: "failed",
        attemptId: call.req.attemptId,
        at: Date.now(),
        cause: "network",
        ringS: 0,
        detail: `trunk_full:${gate.trunk.id}`,
      });
      return;
    }
    this.#trunkOf.set(call.req.attemptId, gate);
    await call.start();
  }

  cancel(attemptId: string): void {
    this.#calls.get(attemptId)?.cancel();
  }

  hangup(attemptId: string, by: HangupBy = "system"): void {
    void this.#calls.get(attemptId)?.hangup(by);
  }

  bridge(attemptId: string, agentId: string): void {
    void this.bridgeNow(attemptId, agentId);
  }

  /** Bridge and report whether it worked (the router needs to know to try someone else). */
  async bridgeNow(attemptId: string, agentId: string): Promise<boolean> {
    const call = this.#calls.get(attemptId);
    const session = this.#o.agents.get(agentId);
    if (!call || !session) return false;
    return await call.bridge(session);
  }

  playMessage(attemptId: string, messageId: string): void {
    void this.playMessageNow(attemptId, messageId);
  }

  async playMessageNow(attemptId: string, messageId: string): Promise<number | null> {
    const call = this.#calls.get(attemptId);
    if (!call) return null;
    const file = this.#o.messageFile(messageId, call.req.campaignId);
    if (!file) {
      this.#o.log.error({ messageId, campaign: call.req.campaignId }, "no audio for message; hanging up");
      await call.hangup("system");
      return null;
    }
    return await call.playMessage(messageId, file);
  }

  /** Every call in flight is lost (drachtio-server or rtpengine went away). */
  async loseAll(): Promise<void> {
    await Promise.all([...this.#calls.values()].map((c) => c.lost()));
  }

  /** Ends every call (shutdown). */
  async hangupAll(): Promise<void> {
    await Promise.all([...this.#calls.values()].map((c) => c.hangup("system")));
  }
}
