// The one streaming object the media service feeds: customer-leg audio from the first early media
// (SIP 183) through answer. Before answer it looks for call progress (SIT, busy, congestion, fax /
// modem tones, carrier announcements; ringback is reported once, for information); after answer it
// runs answering-machine detection. At most one final verdict per phase. No I/O, no timers: the
// caller pushes 20 ms RTP payloads (or any length of PCM) as they arrive.

import {
  type AmdParams,
  AmdParams as AmdParamsSchema,
  type AmdVerdict,
  AnsweringMachineDetector,
} from "./amd.ts";
import { type AnnouncementClass, AnnouncementMatcher, type FingerprintDb } from "./announcements.ts";
import { type G711Law, g711Decode } from "./g711.ts";
import {
  CallProgressDetector,
  FaxDetector,
  FRAME_MS,
  FRAME_SAMPLES,
  FrameAnalyzer,
  type FrameFeatures,
  SAMPLE_RATE,
  type SitCode,
  type TonePlan,
} from "./tones.ts";
import { Vad } from "./vad.ts";

export type EarlyVerdict =
  | { kind: "sit"; code: SitCode; final: true; atMs: number }
  | { kind: "announcement"; class: AnnouncementClass; id: string; ber: number; final: true; atMs: number }
  | { kind: "busy" | "congestion"; plan: TonePlan; final: true; atMs: number }
  | { kind: "fax"; tone: "ced" | "cng"; final: true; atMs: number }
  | { kind: "modem"; tone: "ansam"; final: true; atMs: number }
  /** Informational: the far end is still ringing. Reported once; analysis goes on. */
  | { kind: "ringback"; plan: TonePlan; final: false; atMs: number };

export type AnsweredVerdict = AmdVerdict & { atMs: number };
export type CallVerdict = EarlyVerdict | AnsweredVerdict;

export interface CallAnalyzerOptions {
  amd?: Partial<AmdParams>;
  /** Known announcements; without them announcements are not recognised. */
  fingerprints?: FingerprintDb | null;
  sampleRate?: 8000;
  /** Called with every verdict (early informational ones included) as it is reached. */
  onVerdict?: (v: CallVerdict) => void;
}

export interface CallAnalyzer {
  readonly phase: "early" | "answered";
  readonly earlyVerdict: EarlyVerdict | null;
  readonly answeredVerdict: AnsweredVerdict | null;
  /** Early media PCM; tMs is the media time of its first sample (any clock, ms). */
  pushEarly(pcm: Int16Array, tMs: number): EarlyVerdict | null;
  /** The call was answered at tMs (200 OK): AMD starts from here. */
  answered(tMs: number): void;
  pushAnswered(pcm: Int16Array, tMs: number): AnsweredVerdict | null;
  /** pushEarly or pushAnswered, by the current phase. */
  push(pcm: Int16Array, tMs: number): CallVerdict | null;
  /** An RTP payload in PCMU (payload type 0) or PCMA (8), by the current phase. */
  pushPayload(law: G711Law, payload: Uint8Array, tMs: number): CallVerdict | null;
  /** The answered media ended (hang-up) before a verdict: returns the forced verdict, if any. */
  finish(): AnsweredVerdict | null;
}

export function createCallAnalyzer(opts: CallAnalyzerOptions = {}): CallAnalyzer {
  if ((opts.sampleRate ?? SAMPLE_RATE) !== SAMPLE_RATE) throw new Error("only 8 kHz audio is supported");
  const params = AmdParamsSchema.parse(opts.amd ?? {});
  return new StreamingCallAnalyzer(params, opts.fingerprints ?? null, opts.onVerdict);
}

class StreamingCallAnalyzer implements CallAnalyzer {
  phase: "early" | "answered" = "early";
  earlyVerdict: EarlyVerdict | null = null;
  answeredVerdict: AnsweredVerdict | null = null;

  #params: AmdParams;
  #onVerdict: ((v: CallVerdict) => void) | undefined;
  #frames = new FrameAnalyzer();
  #buf = new Int16Array(FRAME_SAMPLES);
  #fill = 0;
  #bufStartMs = 0;
  #decodeBuf = new Int16Array(FRAME_SAMPLES);
  // Early media.
  #progress = new CallProgressDetector();
  #earlyFax = new FaxDetector();
  #earlyVad = new Vad();
  #matcher: AnnouncementMatcher | null;
  #ringbackSeen = false;
  // Answered.
  #answeredAt = 0;
  #vad = new Vad();
  #amd: AnsweringMachineDetector | null = null;

  constructor(params: AmdParams, db: FingerprintDb | null, onVerdict?: (v: CallVerdict) => void) {
    this.#params = params;
    this.#matcher = db ? new AnnouncementMatcher(db) : null;
    this.#onVerdict = onVerdict;
  }

  pushEarly(pcm: Int16Array, tMs: number): EarlyVerdict | null {
    if (this.phase !== "early") return null;
    let out: EarlyVerdict | null = null;
    this.#frame(pcm, tMs, (frame, f, atMs) => {
      const v = this.#early(frame, f, atMs);
      if (v && (!out || v.final)) out = v;
    });
    return out;
  }

  answered(tMs: number): void {
    if (this.phase === "answered") return;
    this.phase = "answered";
    this.#answeredAt = tMs;
    this.#fill = 0; // a partial early frame is not the customer's greeting
    this.#amd = new AnsweringMachineDetector(this.#params, new FaxDetector());
  }

  pushAnswered(pcm: Int16Array, tMs: number): AnsweredVerdict | null {
    if (this.phase !== "answered") this.answered(tMs);
    let out: AnsweredVerdict | null = null;
    this.#frame(pcm, tMs, (frame, f) => {
      const v = this.#answered(frame, f);
      if (v) out = v;
    });
    return out;
  }

  push(pcm: Int16Array, tMs: number): CallVerdict | null {
    return this.phase === "early" ? this.pushEarly(pcm, tMs) : this.pushAnswered(pcm, tMs);
  }

  pushPayload(law: G711Law, payload: Uint8Array, tMs: number): CallVerdict | null {
    const pcm =
      payload.length === FRAME_SAMPLES ? g711Decode(law, payload, this.#decodeBuf) : g711Decode(law, payload);
    return this.push(pcm, tMs);
  }

  finish(): AnsweredVerdict | null {
    if (!this.#amd || this.answeredVerdict) return null;
    const v = this.#amd.finish();
    return v ? this.#emitAnswered(v) : null;
  }

  /** Cuts arbitrary chunks into 20 ms frames and analyses each once. */
  #frame(pcm: Int16Array, tMs: number, each: (frame: Int16Array, f: FrameFeatures, atMs: number) => void) {
    if (this.#fill === 0) this.#bufStartMs = tMs;
    for (let i = 0; i < pcm.length; ) {
      const n = Math.min(FRAME_SAMPLES - this.#fill, pcm.length - i);
      this.#buf.set(pcm.subarray(i, i + n), this.#fill);
      this.#fill += n;
      i += n;
      if (this.#fill === FRAME_SAMPLES) {
        const atMs = this.#bufStartMs + FRAME_MS;
        each(this.#buf, this.#frames.analyze(this.#buf), atMs);
        this.#fill = 0;
        this.#bufStartMs = tMs + (i * 1000) / SAMPLE_RATE;
      }
    }
  }

  #early(frame: Int16Array, f: FrameFeatures, atMs: number): EarlyVerdict | null {
    if (this.earlyVerdict) return null;
    // Every detector sees every frame (the matcher keeps a window of the past); then pick.
    const quiet = this.#earlyVad.classify(f, frame) === "silence";
    const fax = this.#earlyFax.push(f, quiet);
    const tone = this.#progress.push(f);
    const match = this.#matcher?.push(frame) ?? null;
    if (fax) return this.#emitEarly({ ...fax, final: true, atMs } as EarlyVerdict);
    if (tone?.kind === "sit") return this.#emitEarly({ kind: "sit", code: tone.code, final: true, atMs });
    if (tone && tone.kind !== "ringback")
      return this.#emitEarly({ kind: tone.kind, plan: tone.plan, final: true, atMs });
    if (match) {
      return this.#emitEarly({
        kind: "announcement",
        class: match.class,
        id: match.id,
        ber: match.ber,
        final: true,
        atMs,
      });
    }
    if (tone?.kind === "ringback" && !this.#ringbackSeen) {
      this.#ringbackSeen = true;
      return this.#emitEarly({ kind: "ringback", plan: tone.plan, final: false, atMs });
    }
    return null;
  }

  #answered(frame: Int16Array, f: FrameFeatures): AnsweredVerdict | null {
    if (!this.#amd || this.answeredVerdict) return null;
    const cls = this.#vad.classify(f, frame);
    const v = this.#amd.push(f, cls, this.#vad.noiseFloorDb, this.#vad.speechSnrDb);
    return v ? this.#emitAnswered(v) : null;
  }

  #emitEarly(v: EarlyVerdict): EarlyVerdict {
    if (v.final) this.earlyVerdict = v;
    this.#onVerdict?.(v);
    return v;
  }

  #emitAnswered(v: AmdVerdict): AnsweredVerdict {
    const out = { ...v, atMs: this.#answeredAt + v.decisionMs };
    this.answeredVerdict = out;
    this.#onVerdict?.(out);
    return out;
  }
}
