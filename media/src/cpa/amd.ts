// Answering-machine detection after answer, in the spirit of Asterisk's app_amd (initial silence,
// greeting length, after-greeting silence, words) with changes that matter for a predictive dialer:
// a person says a greeting and waits, a recording goes on. So the silence that proves a person
// depends on how long the greeting was (a lone "喂？" or "hello?" is followed by the caller waiting,
// so a short pause is enough; after a longer greeting a longer pause is needed, because recorded
// greetings pause between sentences), on how far the line's noise lets a pause be trusted (the
// VAD's in-band speech-to-noise estimate), and on the greeting's own pauses; someone still talking
// longer than any person greets is a recording; a beep after a pause confirms a machine at once.
// Only voice that makes a word counts: clicks and noise bursts neither end a silence nor stretch a
// greeting. Fax and modem answer tones give "fax".

import { z } from "zod";
import { BeepDetector, type FaxDetector, FRAME_MS, type FrameFeatures } from "./tones.ts";
import type { FrameClass } from "./vad.ts";

export const AmdParams = z.object({
  /** Silence from answer with no word at all: then the initialSilenceVerdict. */
  initialSilenceMs: z.number().int().min(200).max(20_000).default(2500),
  initialSilenceVerdict: z.enum(["machine", "unknown"]).default("unknown"),
  /** Voiced time of the greeting beyond which it is a recording (no person greets this long). */
  maxGreetingMs: z.number().int().min(300).max(20_000).default(3600),
  /**
   * Talking this long after the first word (span, pauses included) without the pause of someone
   * waiting for an answer: a recording. Noise hides parts of words, so it counts where voiced time
   * falls behind; and read speech never stops long enough to hand the turn over.
   */
  maxGreetingSpanMs: z.number().int().min(300).max(20_000).default(3800),
  /**
   * A greeting spanning at most this long (first word to last voice) is "short" ("喂？", "hello?",
   * "yes, speaking"). The span, not the voiced time, because noise hides the weak parts of words.
   */
  shortGreetingMs: z.number().int().min(0).max(5000).default(1000),
  /**
   * Speech-to-noise ratio in the speech band (dB, the VAD's estimate) from which pauses are trusted
   * in full. Noise hides the weak parts of words, so on a noisier line a pause may be a word the VAD
   * did not hear: 8 dB below this, a short greeting needs the longer after-greeting silence and a
   * longer greeting noisyAfterGreetingSilenceMs; in between the silence needed is interpolated.
   */
  noisyLineSnrDb: z.number().min(0).max(80).default(28),
  /** Silence after a longer greeting on a line 8 dB or more below noisyLineSnrDb. */
  noisyAfterGreetingSilenceMs: z.number().int().min(100).max(5000).default(900),
  /**
   * The silence after the greeting must also be this much longer than the longest pause between
   * the greeting's own words (a recording that pauses 600 ms between sentences is not a person
   * waiting after 700 ms).
   */
  pauseMarginMs: z.number().int().min(0).max(5000).default(200),
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
  /**
   * The analysis limit: machine if someone is still talking then (no pause long enough to be a
   * person waiting); in a pause, the next word (machine) or the silence (person) decides.
   */
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
  #longestPauseMs = 0; // longest pause between the greeting's words so far
  #peakDb = -100;
  #noiseDb = -100;
  #snrDb: number | undefined;
  // Which of the last 64 frames were voice (for the quiet before a beep).
  #voiceHistory = new Uint8Array(64);

  constructor(params: AmdParams, fax: FaxDetector) {
    this.params = params;
    this.#fax = fax;
  }

  get decided(): boolean {
    return this.#done;
  }

  /**
   * noiseFloorDb: the VAD's full-band noise floor (dBov); speechSnrDb: its in-band speech-to-noise
   * estimate (Vad.speechSnrDb). Without the latter, the full-band peak over the floor stands in.
   */
  push(f: FrameFeatures, cls: FrameClass, noiseFloorDb = -100, speechSnrDb?: number): AmdVerdict | null {
    if (this.#done) return null;
    this.#t += FRAME_MS;
    this.#noiseDb = noiseFloorDb;
    this.#snrDb = speechSnrDb;
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
    if (this.#firstWordAt >= 0)
      this.#longestPauseMs = Math.max(this.#longestPauseMs, this.#candidateStart - this.#lastVoiceAt);
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
    // Still talking (this frame is a word's voice) so long after the first word.
    if (this.#lastVoiceAt === this.#t && this.#t - this.#firstWordAt > p.maxGreetingSpanMs)
      return "long-greeting";
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
      if (this.#t - this.#lastVoiceAt >= this.#neededSilenceMs())
        return this.#decide("human", "after-greeting-silence");
    }
    if (this.#t >= p.totalAnalysisMs) {
      if (this.#firstWordAt < 0) return this.#decide("unknown", "too-long");
      // Still talking at the limit, without the pause a person leaves: a recording. In a pause, the
      // next word decides machine and the silence a person's: a greeting that began late (a person
      // picking up slowly and introducing themselves) must not become a machine for being late.
      if (this.#lastVoiceAt === this.#t) return this.#decide("machine", "too-long");
      if (this.#t >= p.totalAnalysisMs + Math.max(p.afterGreetingSilenceMs, p.noisyAfterGreetingSilenceMs))
        return this.#decide("unknown", "too-long");
    }
    return null;
  }

  /** The silence after the greeting that makes it a person's: by the greeting's span and the line. */
  #neededSilenceMs(): number {
    const p = this.params;
    const snr = this.#snrDb ?? this.#peakDb - this.#noiseDb;
    // 1 when pauses can be trusted, 0 on a line 8 dB noisier.
    const trust = Math.min(1, Math.max(0, (snr - (p.noisyLineSnrDb - 8)) / 8));
    const short = this.#lastVoiceAt - this.#firstWordAt <= p.shortGreetingMs;
    const clear = short ? p.afterShortGreetingSilenceMs : p.afterGreetingSilenceMs;
    const noisy = short
      ? p.afterGreetingSilenceMs
      : Math.max(p.afterGreetingSilenceMs, p.noisyAfterGreetingSilenceMs);
    // A person waiting is silent longer than they paused between their own words.
    return Math.max(Math.round(noisy + trust * (clear - noisy)), this.#longestPauseMs + p.pauseMarginMs);
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
