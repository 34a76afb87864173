// One inbound call, from the carrier's INVITE to teardown. The call is anchored at rtpengine with
// our own RTP endpoint as the far side (as for outbound calls): prompts are played to the caller
// by rtpengine, the caller's RFC 4733 key presses arrive at our endpoint and are decoded here,
// voicemail is the caller's audio on that endpoint, and a bridge re-points our side at an agent's
// persistent session inside rtpengine (re-offer/answer in the original direction, ports latched).
import { EventEmitter } from "node:events";
import type Srf from "drachtio-srf";
import type { Logger } from "pino";
import { CARRIER_LEG } from "../engine/profiles.ts";
import type { Rtpengine } from "../engine/rtpengine.ts";
import { RtpEndpoint } from "../rtp/endpoint.ts";
import { type AudioTarget, audioTarget, plainAudioSdp } from "../rtp/sdp.ts";
import { destroyDialog } from "../sip/outbound-call.ts";
import type { AgentLeg } from "../sip/ports.ts";
import { DtmfDecoder } from "./dtmf.ts";

const CALLER = "cc-caller";
const US = "cc-us";

export type InboundHangupBy = "customer" | "agent" | "system" | "network";

export interface InboundCallDeps {
  srf: Srf;
  engine: Rtpengine;
  mediaHost: string;
  callIdPrefix: string;
  log: Logger;
}

export interface InboundCallEvents {
  ended: [by: InboundHangupBy];
}

export class InboundCall extends EventEmitter<InboundCallEvents> {
  readonly id: string;
  readonly rtpCallId: string;
  /** Epoch ms of our 200 OK (the caller's answer), for answer-to-agent times. */
  answeredAt = Date.now();
  readonly #d: InboundCallDeps;
  readonly #log: Logger;
  #endpoint: RtpEndpoint | null;
  #dialog: Srf.Dialog | null = null;
  readonly #callerSdp: string;
  readonly #usLocal: AudioTarget;
  #agent: AgentLeg | null = null;
  #digits: string[] = [];
  #digitWaiter: ((d: string | null) => void) | null = null;
  #playing = false;
  #ended: InboundHangupBy | null = null;

  private constructor(
    id: string,
    deps: InboundCallDeps,
    endpoint: RtpEndpoint,
    callerSdp: string,
    usLocal: AudioTarget,
    dtmfTypes: number[],
  ) {
    super();
    this.id = id;
    this.#d = deps;
    this.rtpCallId = `${deps.callIdPrefix}in-${id}`;
    this.#log = deps.log.child({ inbound: id });
    this.#endpoint = endpoint;
    this.#callerSdp = callerSdp;
    this.#usLocal = usLocal;
    const dtmf = new DtmfDecoder(dtmfTypes);
    endpoint.onOtherPayload((p) => {
      const d = dtmf.push(p);
      if (d) this.#digit(d);
    });
  }

  /** Answers the INVITE (rtpengine offer from the caller, answer from our endpoint, 200 OK). */
  static async answer(
    id: string,
    req: Srf.SrfRequest,
    res: Srf.SrfResponse,
    deps: InboundCallDeps,
  ): Promise<InboundCall> {
    const endpoint = await RtpEndpoint.open(deps.mediaHost);
    const rtpCallId = `${deps.callIdPrefix}in-${id}`;
    try {
      const toUs = await deps.engine.offer({
        "call-id": rtpCallId,
        "from-tag": CALLER,
        sdp: req.body,
        ...CARRIER_LEG,
      });
      const usLocal = audioTarget(toUs.sdp);
      endpoint.connect(usLocal, usLocal.law);
      const toCaller = await deps.engine.answer({
        "call-id": rtpCallId,
        "from-tag": CALLER,
        "to-tag": US,
        sdp: plainAudioSdp({ host: deps.mediaHost, port: endpoint.port, laws: [usLocal.law] }),
        ...CARRIER_LEG,
      });
      // rtpengine may renumber telephone-event towards us: accept the caller's and its own.
      const dtmfTypes = [...new Set([...payloadTypesOf(toUs.sdp), ...payloadTypesOf(req.body)])];
      const call = new InboundCall(id, deps, endpoint, req.body, usLocal, dtmfTypes);
      const dialog = await deps.srf.createUAS(req, res, { localSdp: toCaller.sdp });
      call.#dialog = dialog;
      call.answeredAt = Date.now();
      dialog.on("destroy", () => {
        call.#dialog = null;
        void call.end("customer");
      });
      return call;
    } catch (err) {
      endpoint.close();
      await deps.engine.delete(rtpCallId).catch(() => {});
      throw err;
    }
  }

  get ended(): boolean {
    return this.#ended !== null;
  }

  /** rtpengine's port on our side of the call (where a bridged agent's audio arrives). */
  get usPort(): number {
    return this.#usLocal.port;
  }

  get agentId(): string | null {
    return this.#agent?.agentId ?? null;
  }

  #digit(d: string): void {
    if (this.#agent) return;
    const w = this.#digitWaiter;
    if (w) {
      this.#digitWaiter = null;
      w(d);
    } else this.#digits.push(d);
  }

  /** The next key press (one pressed earlier counts), or null after `ms` or when the call ends. */
  nextDigit(ms: number): Promise<string | null> {
    const early = this.#digits.shift();
    if (early !== undefined) return Promise.resolve(early);
    if (this.#ended) return Promise.resolve(null);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#digitWaiter = null;
        resolve(null);
      }, ms);
      this.#digitWaiter = (d) => {
        clearTimeout(timer);
        resolve(d);
      };
    });
  }

  /** Forgets key presses not yet read (a new menu starts clean). */
  clearDigits(): void {
    this.#digits = [];
  }

  /** Plays a file to the caller (replacing what plays); resolves with its duration in ms. */
  async play(file: string): Promise<number> {
    if (this.#ended || this.#agent) return 0;
    await this.stopPlaying();
    const ms = await this.#d.engine.playMedia(this.rtpCallId, CALLER, file);
    this.#playing = true;
    return ms;
  }

  async stopPlaying(): Promise<void> {
    if (!this.#playing) return;
    this.#playing = false;
    await this.#d.engine
      .command("stopMedia", { "call-id": this.rtpCallId, "from-tag": CALLER })
      .catch(() => {});
  }

  /** The caller's audio for up to `ms` (or until they press #, or hang up): voicemail. */
  async recordCaller(ms: number): Promise<Int16Array> {
    const frames: Int16Array[] = [];
    const endpoint = this.#endpoint;
    if (!endpoint || this.#ended) return new Int16Array(0);
    endpoint.onAudio((f) => frames.push(f.pcm));
    const deadline = Date.now() + ms;
    while (!this.#ended && Date.now() < deadline) {
      const d = await this.nextDigit(Math.min(500, deadline - Date.now()));
      if (d === "#") break;
    }
    endpoint.onAudio(null);
    const out = new Int16Array(frames.length * 160);
    frames.forEach((f, i) => {
      out.set(f, i * 160);
    });
    return out;
  }

  /** Connects the caller to an agent's session inside rtpengine (both directions). */
  async bridge(agent: AgentLeg): Promise<boolean> {
    if (this.#ended || this.#agent) return false;
    await this.stopPlaying();
    try {
      await Promise.all([agent.pointAt(this.#usLocal), this.#pointUsAt(agent.plainLocal)]);
    } catch (err) {
      this.#log.error({ err, agent: agent.agentId }, "inbound bridge failed");
      await agent.park().catch(() => {});
      return false;
    }
    if (this.#ended) {
      await agent.park().catch(() => {});
      return false;
    }
    this.#agent = agent;
    this.#endpoint?.close();
    this.#endpoint = null;
    return true;
  }

  async #pointUsAt(target: AudioTarget): Promise<void> {
    const base = { "call-id": this.rtpCallId, "from-tag": CALLER, "to-tag": US };
    await this.#d.engine.offer({ ...base, sdp: this.#callerSdp, ...CARRIER_LEG });
    await this.#d.engine.answer({
      ...base,
      sdp: plainAudioSdp({ host: target.host, port: target.port, laws: [target.law] }),
      ...CARRIER_LEG,
    });
  }

  /** Ends the call (BYE when we end it), parks the agent, releases rtpengine and our socket. */
  async end(by: InboundHangupBy): Promise<void> {
    if (this.#ended) return;
    this.#ended = by;
    this.#digitWaiter?.(null);
    this.#digitWaiter = null;
    this.#endpoint?.close();
    this.#endpoint = null;
    const dialog = this.#dialog;
    this.#dialog = null;
    const agent = this.#agent;
    const results = await Promise.allSettled([
      dialog ? destroyDialog(dialog) : null,
      agent?.park(),
      this.#d.engine.delete(this.rtpCallId),
    ]);
    for (const r of results)
      if (r.status === "rejected") this.#log.warn({ err: r.reason }, "inbound teardown step failed");
    this.emit("ended", by);
  }
}

/** Payload types the caller declared for telephone-event (101 when it names none). */
function payloadTypesOf(sdp: string): number[] {
  const pts = [...sdp.matchAll(/^a=rtpmap:(\d+) telephone-event\//gim)].map((m) => Number(m[1]));
  return pts.length ? pts : [101];
}
