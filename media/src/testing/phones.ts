// Phones for tests and the simulated floor: a second drachtio-server with an Srf app that plays
// a scripted carrier (answers, rings, rejects, plays early media or a greeting, records what it
// hears) and agents' phones (digest-authenticated calls into the media service that stay up).
// Every phone has our own RtpEndpoint, so tests hear and speak real G.711 over RTP.
import Srf from "drachtio-srf";
import { toneShare } from "../cpa/goertzel.ts";
import { type AudioFrame, framesOf, RtpEndpoint } from "../rtp/endpoint.ts";
import { audioTarget, plainAudioSdp } from "../rtp/sdp.ts";

export interface CarrierScript {
  /** Milliseconds from INVITE to the first provisional response. */
  provisionalMs?: number;
  /** 183 with this audio (looped) instead of a plain 180. */
  earlyMedia?: Int16Array;
  /** Milliseconds from INVITE to the final response (never, when absent: rings until cancelled). */
  finalMs?: number;
  /** Final response: a failure status, or answer (200) and play `greeting` once. */
  final?: { status: number } | { answer: true; greeting?: Int16Array; hangupAfterMs?: number };
  /** Replace the answer SDP (malformed-SDP tests). */
  answerSdp?: (sdp: string) => string;
}

export interface CarrierCall {
  number: string;
  invitedAt: number;
  received: AudioFrame[];
  endpoint: RtpEndpoint;
  cancelled: boolean;
  answeredAt?: number;
  endedAt?: number;
  endedBy?: "us" | "them";
  dialog?: Srf.Dialog;
  /** Why the carrier side failed, when it did (e.g. its switch went away). */
  error?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends `pcm` once, then silence (a person waiting), until stopped. */
export function onceThenSilence(pcm: Int16Array): () => Int16Array {
  const frames = [...framesOf(pcm)];
  let i = 0;
  return () => frames[i++] ?? new Int16Array(160);
}

export function looped(pcm: Int16Array): () => Int16Array {
  const frames = [...framesOf(pcm)];
  let i = 0;
  return () => frames[i++ % frames.length]!;
}

export class PhoneSwitch {
  readonly srf: Srf;
  readonly calls: CarrierCall[] = [];
  #script: (number: string) => CarrierScript = () => ({ final: { answer: true } });

  private constructor(srf: Srf) {
    this.srf = srf;
  }

  static async connect(opts: { adminPort: number; secret: string }): Promise<PhoneSwitch> {
    const srf = new Srf();
    const sw = new PhoneSwitch(srf);
    srf.invite((req, res) => {
      sw.#onInvite(req, res).catch((err: unknown) => {
        // The switch went away mid-call (shutdown, chaos tests): the call records why it ended.
        const call = sw.calls.find((c) => c.number === req.calledNumber && !c.endedAt);
        if (call) {
          call.endedAt = Date.now();
          call.error = (err as Error).message;
        }
      });
    });
    await new Promise<void>((resolve, reject) => {
      srf.on("connect", (err) => (err ? reject(err) : resolve()));
      srf.on("error", () => {});
      srf.connect({ host: "127.0.0.1", port: opts.adminPort, secret: opts.secret });
    });
    return sw;
  }

  /** How the carrier answers a number. */
  carrier(script: (number: string) => CarrierScript): void {
    this.#script = script;
  }

  async #onInvite(req: Srf.SrfRequest, res: Srf.SrfResponse): Promise<void> {
    const number = req.calledNumber;
    const s = this.#script(number);
    const endpoint = await RtpEndpoint.open();
    const call: CarrierCall = { number, invitedAt: Date.now(), received: [], endpoint, cancelled: false };
    this.calls.push(call);
    endpoint.onAudio((f) => call.received.push(f));
    req.on("cancel", () => {
      call.cancelled = true;
      call.endedAt = Date.now();
      call.endedBy = "us";
      endpoint.close();
    });
    let target: ReturnType<typeof audioTarget>;
    try {
      target = audioTarget(req.body);
    } catch {
      res.send(488);
      return;
    }
    endpoint.connect(target, target.law);
    const ourSdp = plainAudioSdp({ host: "127.0.0.1", port: endpoint.port, laws: [target.law] });
    await sleep(s.provisionalMs ?? 50);
    if (call.cancelled) return;
    if (s.earlyMedia) {
      res.send(183, { body: ourSdp });
      endpoint.startSending(looped(s.earlyMedia));
    } else res.send(180);
    if (s.finalMs === undefined || !s.final) return;
    await sleep(Math.max(0, s.finalMs - (s.provisionalMs ?? 50)));
    if (call.cancelled) return;
    endpoint.stopSending();
    if ("status" in s.final) {
      res.send(s.final.status);
      call.endedAt = Date.now();
      endpoint.close();
      return;
    }
    const final = s.final;
    const dialog = await this.srf.createUAS(req, res, {
      localSdp: s.answerSdp ? s.answerSdp(ourSdp) : ourSdp,
    });
    call.dialog = dialog;
    call.answeredAt = Date.now();
    endpoint.startSending(onceThenSilence(final.greeting ?? new Int16Array(0)));
    dialog.on("destroy", () => {
      call.endedAt = Date.now();
      call.endedBy = "us";
      endpoint.close();
    });
    if (final.hangupAfterMs !== undefined) {
      setTimeout(() => {
        if (call.endedAt) return;
        call.endedAt = Date.now();
        call.endedBy = "them";
        endpoint.close();
        // Our BYE may cross theirs (the service hung up at the same moment): nothing left to end.
        dialog.destroy(undefined, () => {});
      }, final.hangupAfterMs);
    }
  }

  /** An agent's phone: a digest-authenticated call into the media service that stays up. */
  async agentPhone(mediaSipUri: string, creds: { username: string; password: string }): Promise<AgentPhone> {
    const endpoint = await RtpEndpoint.open();
    const dialog = await this.srf.createUAC(`${mediaSipUri.replace(/^sip:/, "sip:agent@")}`, {
      localSdp: plainAudioSdp({ host: "127.0.0.1", port: endpoint.port }),
      auth: creds,
    });
    const target = audioTarget(dialog.remote.sdp);
    endpoint.connect(target, target.law);
    // Like a real phone, it sends (silent) audio all the time: rtpengine ends calls without RTP.
    const quiet = new Int16Array(160);
    endpoint.startSending(() => quiet);
    const phone: AgentPhone = {
      endpoint,
      dialog,
      received: [],
      ended: false,
      talk: (pcm) => endpoint.startSending(looped(pcm)),
      quiet: () => endpoint.startSending(() => quiet),
      hangup: async () => {
        if (phone.ended) return;
        phone.ended = true;
        endpoint.close();
        await new Promise<void>((r) => dialog.destroy(undefined, () => r()));
      },
    };
    endpoint.onAudio((f) => phone.received.push(f));
    dialog.on("destroy", () => {
      phone.ended = true;
      endpoint.close();
    });
    return phone;
  }

  close(): void {
    for (const c of this.calls) c.endpoint.close();
    try {
      this.srf.disconnect();
    } catch {
      // drachtio already gone
    }
  }
}

export { toneShare };

export interface AgentPhone {
  endpoint: RtpEndpoint;
  dialog: Srf.Dialog;
  received: AudioFrame[];
  ended: boolean;
  /** Sends this audio in a loop (the agent talking). */
  talk(pcm: Int16Array): void;
  /** Back to sending silence. */
  quiet(): void;
  hangup(): Promise<void>;
}

/** Frames in which `hz` dominates (share above `min`). */
export function framesWithTone(frames: readonly AudioFrame[], hz: number, min = 0.5): AudioFrame[] {
  return frames.filter((f) => toneShare(f.pcm, hz) > min);
}
