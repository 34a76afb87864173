// One outbound attempt, from INVITE to teardown. The customer leg is anchored at rtpengine with
// our own RTP endpoint on the other side, so early media and the first seconds after answer
// reach the call progress analysis without any forking. A bridge re-points that side at an
// agent's persistent session inside rtpengine; the abandon message is played by rtpengine.
// Every path ends in `#teardown`, which always releases the rtpengine call and the socket.
import type { CallControlEvent, FailureCause, HangupBy, OriginateRequest } from "@cc/pacing";
import type Srf from "drachtio-srf";
import type { Logger } from "pino";
import { CARRIER_LEG } from "../engine/profiles.ts";
import type { Rtpengine } from "../engine/rtpengine.ts";
import { RtpEndpoint } from "../rtp/endpoint.ts";
import { type AudioTarget, audioTarget, plainAudioSdp, SdpError } from "../rtp/sdp.ts";
import {
  causeOfEarlyVerdict,
  causeOfStatus,
  detailOfEarlyVerdict,
  type FinalEarlyVerdict,
} from "./outcomes.ts";
import type { AgentLeg, AnswerVerdict, LegAnalysis } from "./ports.ts";
import { requestUri, type TrunkConfig } from "./trunks.ts";

const US = "cc-us";
const CANCEL_GRACE_MS = 4_000;
const CARRIER = "cc-carrier";

type Stage = "new" | "inviting" | "answered" | "detected" | "bridged" | "message" | "ended";

export interface OutboundCallDeps {
  srf: Srf;
  engine: Rtpengine;
  trunk: TrunkConfig;
  /** Address of our RTP endpoints as rtpengine reaches them. */
  mediaHost: string;
  /** Null when the campaign runs without analysis (every answer counts as unknown). */
  analysis: LegAnalysis | null;
  /** Longest analysis after answer before the verdict is "unknown". */
  maxDetectMs: number;
  /** Prefix of rtpengine call ids (names the media service instance). */
  callIdPrefix: string;
  emit(e: CallControlEvent): void;
  ended(call: OutboundCall): void;
  /** Runs before an answered call's rtpengine call is deleted (its statistics are still there). */
  beforeRelease?: (call: OutboundCall, agentId: string | null) => Promise<void>;
  log: Logger;
}

interface Failure {
  cause: FailureCause;
  sipCode?: number;
  detail?: string;
}

export class OutboundCall {
  readonly req: OriginateRequest;
  readonly rtpCallId: string;
  readonly #d: OutboundCallDeps;
  #stage: Stage = "new";
  #endpoint: RtpEndpoint | null = null;
  #invite: Srf.SrfRequest | null = null;
  #dialog: Srf.Dialog | null = null;
  #timers: NodeJS.Timeout[] = [];
  #startedAt = 0;
  #answeredAt = 0;
  #ringingSent = false;
  #inviteSent = false;
  #earlyAnswered = false;
  /** Set when we cancel: the 487 that follows reports this instead. */
  #cancelledFor: Failure | null = null;
  #carrierSdp = "";
  #usLocal: AudioTarget | null = null;
  #agent: AgentLeg | null = null;
  #log: Logger;

  constructor(req: OriginateRequest, deps: OutboundCallDeps) {
    this.req = req;
    this.#d = deps;
    this.rtpCallId = `${deps.callIdPrefix}${req.attemptId}`;
    this.#log = deps.log.child({ attempt: req.attemptId });
  }

  get stage(): Stage {
    return this.#stage;
  }

  get agentId(): string | null {
    return this.#agent?.agentId ?? null;
  }

  get trunkId(): string {
    return this.#d.trunk.id;
  }

  /** Where rtpengine receives our side of this call (a bridged agent's audio goes there). */
  get usLocal(): AudioTarget | null {
    return this.#usLocal;
  }

  async start(): Promise<void> {
    if (this.#tornDown) return;
    this.#stage = "inviting";
    try {
      const endpoint = await RtpEndpoint.open(this.#d.mediaHost);
      if (this.#tornDown) return endpoint.close();
      this.#endpoint = endpoint;
      const offer = await this.#d.engine.offer({
        "call-id": this.rtpCallId,
        "from-tag": US,
        sdp: plainAudioSdp({ host: this.#d.mediaHost, port: endpoint.port }),
        ...CARRIER_LEG,
      });
      if (this.#tornDown) return await this.#d.engine.delete(this.rtpCallId);
      this.#startedAt = Date.now();
      this.#emit({ type: "dialing", attemptId: this.req.attemptId, at: this.#startedAt });
      this.#arm(this.req.ringTimeoutS * 1000, () =>
        this.#cancel({ cause: "no_answer", detail: "ring_timeout" }),
      );
      this.#inviteSent = true;
      const dialog = await this.#d.srf.createUAC(
        requestUri(this.#d.trunk, this.req.phone),
        {
          localSdp: offer.sdp,
          headers: this.#headers(),
          ...(this.#d.trunk.auth ? { auth: this.#d.trunk.auth } : {}),
          callingNumber: this.req.callerId,
        } as Srf.CreateUACOptions,
        {
          // drachtio-srf calls this as (err, req), unlike its typings.
          cbRequest: ((err: unknown, req?: Srf.SrfRequest) => {
            if (err || !req) return;
            this.#invite = req;
            if (this.#cancelledFor) this.#sendCancel(req, this.#cancelledFor);
          }) as unknown as (req: Srf.SrfRequest) => void,
          cbProvisional: (res) => void this.#provisional(res),
        },
      );
      await this.#connected(dialog);
    } catch (err) {
      await this.#inviteFailed(err);
    }
  }

  #headers(): Record<string, string> {
    const meta = Object.fromEntries(
      Object.entries(this.req.meta ?? {}).map(([k, v]) => [
        `X-CC-${k.replace(/[^A-Za-z0-9-]/g, "")}`,
        String(v),
      ]),
    );
    return { ...this.#d.trunk.headers, "X-CC-Attempt": this.req.attemptId, ...meta };
  }

  async #provisional(res: Srf.SrfResponse): Promise<void> {
    if (this.#stage !== "inviting") return;
    if (!this.#ringingSent && (res.status === 180 || res.status === 183)) {
      this.#ringingSent = true;
      this.#emit({ type: "ringing", attemptId: this.req.attemptId, at: Date.now() });
    }
    if (res.body && !this.#earlyAnswered) {
      this.#earlyAnswered = true;
      try {
        await this.#answerEngine(res.body);
        this.#listenEarly();
      } catch (err) {
        this.#log.warn({ err }, "early media SDP refused; waiting for the final answer");
      }
    }
  }

  /** Completes rtpengine's offer/answer with the carrier's SDP and aims our endpoint at it. */
  async #answerEngine(carrierSdp: string): Promise<void> {
    const reply = await this.#d.engine.answer({
      "call-id": this.rtpCallId,
      "from-tag": US,
      "to-tag": CARRIER,
      sdp: carrierSdp,
      ...CARRIER_LEG,
    });
    audioTarget(carrierSdp); // the carrier's SDP must itself be usable audio
    this.#carrierSdp = carrierSdp;
    this.#usLocal = audioTarget(reply.sdp);
    this.#endpoint?.connect(this.#usLocal, this.#usLocal.law);
  }

  #listenEarly(): void {
    const analysis = this.#d.analysis;
    if (!analysis || !this.#endpoint) return;
    this.#endpoint.onAudio((f) => {
      if (this.#stage !== "inviting") return;
      const v = analysis.early(f.pcm, Date.now() - this.#startedAt);
      if (v) this.#earlyVerdict(v);
    });
  }

  #earlyVerdict(v: FinalEarlyVerdict): void {
    this.#log.info({ verdict: v }, "early media classified");
    this.#cancel({ cause: causeOfEarlyVerdict(v), detail: detailOfEarlyVerdict(v) });
  }

  async #connected(dialog: Srf.Dialog): Promise<void> {
    if (this.#tornDown) {
      await destroyDialog(dialog);
      return;
    }
    this.#dialog = dialog;
    dialog.on("destroy", () => void this.#remoteHangup());
    if (this.#cancelledFor || this.#stage !== "inviting") {
      // The 200 OK crossed our CANCEL (ring timeout, early verdict): end it at once.
      this.#fail(this.#cancelledFor ?? { cause: "cancelled" });
      await this.#teardown();
      return;
    }
    try {
      await this.#answerEngine(dialog.remote.sdp);
    } catch (err) {
      const detail = err instanceof SdpError ? `bad_sdp: ${err.message}` : `media: ${(err as Error).message}`;
      this.#log.warn({ err }, "answered with unusable SDP");
      this.#fail({ cause: "network", sipCode: 488, detail });
      await this.#teardown();
      return;
    }
    this.#clearTimers();
    this.#stage = "answered";
    this.#answeredAt = Date.now();
    this.#emit({
      type: "answered",
      attemptId: this.req.attemptId,
      at: this.#answeredAt,
      ringS: this.#ringS(),
    });
    this.#analyseAnswer();
  }

  #analyseAnswer(): void {
    const analysis = this.#d.analysis;
    if (!analysis || !this.#endpoint || !this.req.amd) {
      this.#detected({ detection: "unknown", reason: "amd_off", decisionMs: 0 });
      return;
    }
    analysis.answered(this.#answeredAt - this.#startedAt);
    this.#arm(this.#d.maxDetectMs, () =>
      this.#detected({ detection: "unknown", reason: "max_analysis_time", decisionMs: this.#d.maxDetectMs }),
    );
    this.#endpoint.onAudio((f) => {
      if (this.#stage !== "answered") return;
      const v = analysis.afterAnswer(f.pcm, Date.now() - this.#startedAt);
      if (v) this.#detected(v);
    });
  }

  #detected(v: AnswerVerdict): void {
    if (this.#stage !== "answered") return;
    this.#clearTimers();
    this.#stage = "detected";
    this.#endpoint?.onAudio(null);
    this.#emit({
      type: "detected",
      attemptId: this.req.attemptId,
      at: Date.now(),
      detection: v.detection,
      detectMs: Math.round(v.decisionMs),
      reason: v.reason,
    });
  }

  async #inviteFailed(err: unknown): Promise<void> {
    const status = (err as { status?: number }).status;
    if (this.#cancelledFor) this.#fail({ sipCode: status ?? 487, ...this.#cancelledFor });
    else if (typeof status === "number") this.#fail({ cause: causeOfStatus(status), sipCode: status });
    else {
      this.#log.warn({ err }, "could not place the call");
      this.#fail({ cause: "network", detail: (err as Error).message?.slice(0, 200) ?? "error" });
    }
    await this.#teardown();
  }

  #fail(f: Failure): void {
    if (this.#stage === "ended") return;
    this.#stage = "ended";
    this.#emit({
      type: "failed",
      attemptId: this.req.attemptId,
      at: Date.now(),
      cause: f.cause,
      ringS: this.#ringS(),
      ...(f.sipCode !== undefined ? { sipCode: f.sipCode } : {}),
      ...(f.detail ? { detail: f.detail } : {}),
    });
  }

  #cancel(reason: Failure): void {
    if (this.#stage !== "inviting" || this.#cancelledFor) return;
    this.#cancelledFor = reason;
    if (this.#invite) this.#sendCancel(this.#invite, reason);
    else if (!this.#inviteSent) {
      // Not sent yet (socket or rtpengine offer in progress): start() stops at its next step.
      this.#fail(reason);
      void this.#teardown();
    }
    // else: the INVITE is on its way; cbRequest cancels it as soon as drachtio hands it back.
  }

  #sendCancel(invite: Srf.SrfRequest, reason: Failure): void {
    invite.cancel(() => {});
    // A carrier that ignores the CANCEL would hold the attempt until SIP's 32 s transaction
    // timeout: give it a few seconds, then end the attempt ourselves (a late 200 gets a BYE).
    this.#arm(CANCEL_GRACE_MS, () => {
      this.#fail(reason);
      void this.#teardown();
    });
  }

  /** Abort before answer (pacing withdrew the attempt). */
  cancel(): void {
    if (this.#stage === "new") {
      this.#fail({ cause: "cancelled" });
      void this.#teardown();
      return;
    }
    this.#cancel({ cause: "cancelled" });
  }

  /** End the call from our side. */
  async hangup(by: HangupBy): Promise<void> {
    if (this.#stage === "inviting") {
      this.#cancel({ cause: "cancelled" });
      return;
    }
    if (this.#stage === "ended" || this.#stage === "new") return;
    this.#hungup(by);
    await this.#teardown();
  }

  async #remoteHangup(): Promise<void> {
    if (this.#stage === "ended") return;
    this.#dialog = null;
    this.#hungup("customer");
    await this.#teardown();
  }

  #hungup(by: HangupBy): void {
    this.#stage = "ended";
    this.#emit({ type: "hungup", attemptId: this.req.attemptId, at: Date.now(), by });
  }

  /** Connects the customer to an agent's session inside rtpengine (both directions). */
  async bridge(agent: AgentLeg): Promise<boolean> {
    if (this.#stage !== "detected" && this.#stage !== "answered") return false;
    const us = this.#usLocal;
    if (!us) return false;
    this.#clearTimers();
    this.#stage = "bridged";
    this.#endpoint?.onAudio(null);
    try {
      await Promise.all([agent.pointAt(us), this.#pointUsAt(agent.plainLocal)]);
    } catch (err) {
      this.#log.error({ err, agent: agent.agentId }, "bridge failed");
      await agent.park().catch(() => {});
      this.#stage = "detected";
      return false;
    }
    this.#agent = agent;
    this.#endpoint?.close();
    this.#endpoint = null;
    this.#emit({ type: "bridged", attemptId: this.req.attemptId, at: Date.now(), agentId: agent.agentId });
    return true;
  }

  /**
   * Points the bridged customer call's side at another target (a supervisor's mixer, then back
   * at the agent) without touching the carrier. False when the call is not bridged any more.
   */
  async repointBridged(target: AudioTarget): Promise<boolean> {
    if (this.#stage !== "bridged") return false;
    await this.#pointUsAt(target);
    return true;
  }

  /** Re-negotiates our side of the customer call so rtpengine sends it to `target`. */
  async #pointUsAt(target: AudioTarget): Promise<void> {
    const custLaw = this.#usLocal?.law ?? "PCMU";
    await this.#d.engine.offer({
      "call-id": this.rtpCallId,
      "from-tag": US,
      "to-tag": CARRIER,
      sdp: plainAudioSdp({ host: target.host, port: target.port, laws: [target.law] }),
      ...CARRIER_LEG,
      ...(target.law !== custLaw ? { codec: { transcode: [custLaw] } } : {}),
    });
    await this.#d.engine.answer({
      "call-id": this.rtpCallId,
      "from-tag": US,
      "to-tag": CARRIER,
      sdp: this.#carrierSdp,
      ...CARRIER_LEG,
    });
  }

  /**
   * Plays a file to the customer through rtpengine, then ends the call. Resolves with the
   * moment playback started (for the 2-second rule) or null if the call is gone.
   */
  async playMessage(messageId: string, file: string): Promise<number | null> {
    if (this.#stage !== "detected" && this.#stage !== "answered") return null;
    this.#clearTimers();
    this.#stage = "message";
    this.#endpoint?.onAudio(null);
    let durationMs: number;
    try {
      durationMs = await this.#d.engine.playMedia(this.rtpCallId, CARRIER, file);
    } catch (err) {
      this.#log.error({ err, file }, "message could not be played");
      await this.hangup("system");
      return null;
    }
    const startedAt = Date.now();
    this.#emit({ type: "message_started", attemptId: this.req.attemptId, at: startedAt, messageId });
    this.#arm(durationMs + 300, () => void this.hangup("system"));
    return startedAt;
  }

  /** The network under us went away (drachtio or rtpengine lost): account for the call. */
  async lost(): Promise<void> {
    if (this.#stage === "ended") return;
    if (this.#stage === "inviting" || this.#stage === "new")
      this.#fail({ cause: "network", detail: "media_lost" });
    else this.#hungup("network");
    await this.#teardown();
  }

  #ringS(): number {
    const end = this.#answeredAt || Date.now();
    return this.#startedAt ? Math.max(0, (end - this.#startedAt) / 1000) : 0;
  }

  #arm(ms: number, fn: () => void): void {
    const t = setTimeout(fn, ms);
    this.#timers.push(t);
  }

  #clearTimers(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers = [];
  }

  #tornDown = false;

  async #teardown(): Promise<void> {
    if (this.#tornDown) return;
    this.#tornDown = true;
    this.#stage = "ended";
    this.#clearTimers();
    this.#endpoint?.close();
    this.#endpoint = null;
    const agent = this.#agent;
    this.#agent = null;
    const dialog = this.#dialog;
    this.#dialog = null;
    await Promise.allSettled([
      dialog ? destroyDialog(dialog) : Promise.resolve(),
      agent?.park(),
      this.#release(agent?.agentId ?? null),
    ]).then((results) => {
      for (const r of results)
        if (r.status === "rejected") this.#log.warn({ err: r.reason }, "teardown step failed");
    });
    this.#d.ended(this);
  }

  #emit(e: CallControlEvent): void {
    this.#d.emit(e);
  }

  async #release(agentId: string | null): Promise<void> {
    if (this.#answeredAt && this.#d.beforeRelease) {
      await this.#d.beforeRelease(this, agentId).catch((err: unknown) => {
        this.#log.warn({ err }, "before-release step failed");
      });
    }
    await this.#d.engine.delete(this.rtpCallId);
  }
}

/** BYE, bounded: a dialog whose drachtio-server is gone never calls back. */
export async function destroyDialog(dialog: Srf.Dialog, timeoutMs = 2_000): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    try {
      dialog.destroy(undefined, () => {
        clearTimeout(timer);
        resolve();
      });
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
}
