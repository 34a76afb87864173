// Answering-machine detection after answer, in the spirit of Asterisk's app_amd (initial silence,
// greeting length, after-greeting silence, words) with two changes that matter for a predictive
// dialer: the silence that proves a person depends on how long the greeting was (a lone "喂？" or
// "hello?" is followed by the caller waiting, so a short pause is enough; after a longer greeting a
// longer pause is needed, because recorded greetings pause between sentences), and a beep after
// speech confirms a machine at once. Fax and modem answer tones give "fax".

import { z } from "zod";
import { BeepDetector, type FaxDetector, FRAME_MS, type FrameFeatures } from "./tones.ts";
import type { FrameClass } from "./vad.ts";

export const AmdParams = z.object({
  /** Silence from answer with no word at all: then the initialSilenceVerdict. */
  initialSilenceMs: z.number().int().min(200).max(20_000).default(2500),
  initialSilenceVerdict: z.enum(["machine", "unknown"]).default("unknown"),
  /** Voiced time of the greeting beyond which it is a recording (no person greets this long). */
  maxGreetingMs: z.number().int().min(300).max(20_000).default(3400),
  /**
   * A greeting spanning at most this long (first word to last voice) is "short" ("喂？", "hello?",
   * "yes, speaking"). The span, not the voiced time, because noise hides the weak parts of words.
   */
  shortGreetingMs: z.number().int().min(0).max(5000).default(1000),
  /** Below this estimated speech-to-noise ratio (dB) only the longer after-greeting silence counts. */
  noisyLineSnrDb: z.number().min(0).max(60).default(25),
  /** Silence after a short greeting that decides a person. */
  afterShortGreetingSilenceMs: z.number().int().min(100).max(5000).default(400),
  /** Silence after a longer greeting that decides a person. */
  afterGreetingSilenceMs: z.number().int().min(100).max(5000).default(700),
  /** Voice shorter than this is a click or a breath, not a word. */
  minWordLengthMs: z.number().int().min(20).max(1000).default(100),
  /** Silence that separates two words. */
  betweenWordsSilenceMs: z.number().int().min(20).max(1000).default(60),
  /** More words than this in the greeting: a recording. */
  maxWords: z.number().int().min(1).max(100).default(12),
  /** One uninterrupted voice longer than this (music, a long sentence): a recording. */
  maxWordLengthMs: z.number().int().min(200).max(20_000).default(4000),
  /** Give up after this long: machine if someone has been talking all along, else unknown. */
  totalAnalysisMs: z.number().int().min(1000).max(60_000).default(5000),
  /**
   * Beep after speech: "confirm" decides machine as soon as it is heard; "wait" also holds a machine
   * verdict until the beep (or beepWaitMs) so a message can be dropped after it; "ignore" skips it.
   */
  beep: z.enum(["confirm", "wait", "ignore"]).default("confirm"),
  beepWaitMs: z.number().int().min(0).max(60_000).default(20_000),
});
export type AmdParams = z.infer<typeof AmdParams>;
export const DEFAULT_AMD_PARAMS: AmdParams = AmdParams.parse({});

export type AmdDetection = "human" | "machine" | "fax" | "unknown";
export type AmdReason =
  | "after-greeting-silence"
  | "long-greeting"
  | "max-words"
  | "long-word"
  | "beep"
  | "initial-silence"
  | "too-long"
  | "fax-ced"
  | "fax-cng"
  | "modem-ansam";

export interface AmdVerdict {
  detection: AmdDetection;
  reason: AmdReason;
  /** Time from answer to the decision. */
  decisionMs: number;
  /** When a beep was heard (ms from answer), if one was. */
  beepMs?: number;
  /** Greeting statistics at decision time, for tuning per campaign. */
  stats: { voicedMs: number; words: number; initialSilenceMs: number };
}

/** Streaming AMD over classified frames; push() returns the verdict once, then null. */
export class AnsweringMachineDetector {
  readonly params: AmdParams;
  #fax: FaxDetector;
  #beep = new BeepDetector();
  #t = 0;
  #done = false;
  #pending: { reason: AmdReason; atMs: number } | null = null;
  // Greeting state. Voice becomes part of the greeting only once it makes a word (minWordLengthMs):
  // a shorter burst (a click, a breath, a noise burst the VAD let through) neither ends the silence
  // after the greeting nor stretches the greeting.
  #words = 0;
  #voicedMs = 0;
  #firstWordAt = -1;
  #inWord = false;
  #wordStart = 0;
  #lastVoiceAt = 0; // end of the last frame of voice that belongs to a word
  #candidateMs = 0; // voice of a run that is not (yet) a word
  #candidateStart = 0;
  #candidateLast = 0;
  #peakDb = -100;
  #noiseDb = -100;
  // Which of the last 64 frames were voice (for the quiet before a beep).
  #voiceHistory = new Uint8Array(64);

  constructor(params: AmdParams, fax: FaxDetector) {
    this.params = params;
    this.#fax = fax;
  }

  get decided(): boolean {
    return this.#done;
  }

  /** noiseFloorDb: the VAD's current noise floor (dBov), for the speech-to-noise estimate. */
  push(f: FrameFeatures, cls: FrameClass, noiseFloorDb = -100): AmdVerdict | null {
    if (this.#done) return null;
    this.#t += FRAME_MS;
    this.#noiseDb = noiseFloorDb;
    const voice = cls === "voice";
    this.#voiceHistory[(this.#t / FRAME_MS) % this.#voiceHistory.length] = voice ? 1 : 0;
    if (voice) this.#peakDb = Math.max(this.#peakDb - 0.05, f.levelDb);
    const fax = this.#fax.push(f, cls === "silence");
    if (fax) {
      const reason = fax.kind === "modem" ? "modem-ansam" : fax.tone === "cng" ? "fax-cng" : "fax-ced";
      return this.#decide("fax", reason);
    }
    const beep = this.params.beep === "ignore" ? null : this.#beep.push(f);
    if (beep && this.#voicedMs >= 300 && this.#quietBefore(this.#t - beep.ms)) {
      const beepMs = this.#t - beep.ms;
      if (this.#pending) return this.#decide("machine", this.#pending.reason, beepMs);
      return this.#decide("machine", "beep", beepMs);
    }
    if (this.#pending) {
      if (this.#t - this.#pending.atMs >= this.params.beepWaitMs)
        return this.#decide("machine", this.#pending.reason);
      return null;
    }
    this.#track(voice);
    const machineReason = this.#machineReason();
    if (machineReason) {
      if (this.params.beep !== "wait") return this.#decide("machine", machineReason);
      this.#pending = { reason: machineReason, atMs: this.#t };
      return null;
    }
    return this.#personOrTimeout();
  }

  /** Call when the media ends before a verdict (hang-up, end of a test file). */
  finish(): AmdVerdict | null {
    if (this.#done) return null;
    if (this.#pending) return this.#decide("machine", this.#pending.reason);
    return this.#decide("unknown", this.#firstWordAt < 0 ? "initial-silence" : "too-long");
  }

  /**
   * A beep starts after a pause (the end of the greeting); a vowel held steady inside a word does
   * not: at most two frames of voice (the tone's own onset) in the 120 ms before startMs.
   */
  #quietBefore(startMs: number): boolean {
    const h = this.#voiceHistory;
    let voice = 0;
    for (let t = startMs - 120; t < startMs; t += FRAME_MS) {
      if (t <= 0 || this.#t - t >= h.length * FRAME_MS) continue;
      voice += h[(t / FRAME_MS) % h.length]!;
    }
    return voice <= 2;
  }

  #track(voice: boolean): void {
    const p = this.params;
    const t = this.#t;
    if (voice) {
      if (this.#inWord) {
        this.#voicedMs += FRAME_MS;
        this.#lastVoiceAt = t;
        return;
      }
      if (this.#candidateMs === 0) this.#candidateStart = t - FRAME_MS;
      this.#candidateMs += FRAME_MS;
      this.#candidateLast = t;
      if (this.#candidateMs >= p.minWordLengthMs) this.#countWord();
      return;
    }
    if (this.#inWord && t - this.#lastVoiceAt >= p.betweenWordsSilenceMs) this.#inWord = false;
    if (this.#candidateMs > 0 && t - this.#candidateLast >= p.betweenWordsSilenceMs) this.#candidateMs = 0;
  }

  #countWord(): void {
    this.#words++;
    if (this.#firstWordAt < 0) this.#firstWordAt = this.#candidateStart;
    this.#inWord = true;
    this.#wordStart = this.#candidateStart;
    this.#voicedMs += this.#candidateMs;
    this.#lastVoiceAt = this.#t;
    this.#candidateMs = 0;
  }

  #machineReason(): AmdReason | null {
    const p = this.params;
    if (this.#firstWordAt < 0) return null;
    if (this.#voicedMs > p.maxGreetingMs) return "long-greeting";
    if (this.#words > p.maxWords) return "max-words";
    if (this.#inWord && this.#lastVoiceAt - this.#wordStart > p.maxWordLengthMs) return "long-word";
    return null;
  }

  #personOrTimeout(): AmdVerdict | null {
    const p = this.params;
    if (this.#firstWordAt < 0) {
      if (this.#t >= p.initialSilenceMs && this.#candidateMs === 0)
        return this.#decide(p.initialSilenceVerdict, "initial-silence");
    } else if (this.#candidateMs === 0) {
      const silenceMs = this.#t - this.#lastVoiceAt;
      const spanMs = this.#lastVoiceAt - this.#firstWordAt;
      const clearLine = this.#peakDb - this.#noiseDb >= p.noisyLineSnrDb;
      const short = spanMs <= p.shortGreetingMs && clearLine;
      const needed = short ? p.afterShortGreetingSilenceMs : p.afterGreetingSilenceMs;
      if (silenceMs >= needed) return this.#decide("human", "after-greeting-silence");
    }
    if (this.#t >= p.totalAnalysisMs) {
      // Talking for the whole analysis time without the pause a person leaves: a recording.
      return this.#decide(this.#firstWordAt < 0 ? "unknown" : "machine", "too-long");
    }
    return null;
  }

  #decide(detection: AmdDetection, reason: AmdReason, beepMs?: number): AmdVerdict {
    this.#done = true;
    const verdict: AmdVerdict = {
      detection,
      reason,
      decisionMs: this.#t,
      stats: {
        voicedMs: this.#voicedMs,
        words: this.#words,
        initialSilenceMs: this.#firstWordAt < 0 ? this.#t : this.#firstWordAt,
      },
    };
    if (beepMs !== undefined) verdict.beepMs = beepMs;
    return verdict;
  }
}
