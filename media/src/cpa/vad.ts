// Voice activity detection on 20 ms frames that holds up on noisy lines.
//
// Per frame, the power spectrum of the last 32 ms (Hann, 256 points) is summed into mel bands over
// the telephone speech band (250–3400 Hz). Each band keeps its own noise floor by minimum statistics
// over the last two seconds, so the floor follows the line's noise per call and per band, whatever
// its colour: white, pink, or brown (whose power sits mostly below 250 Hz, where telephone speech
// has none, and is not looked at). The frame's statistic is how far its strongest bands rise above
// their floors (the mean of the top three, dB): speech puts its formants well above the noise in a
// few bands even when the full-band SNR is 5 dB, noise rises in no band more than its own spread.
// The threshold follows the statistic's own distribution on the call's noise frames (mean + k
// spreads), and a hysteresis (a higher level to start voice than to keep it) keeps words whole
// without letting single noise frames start one. Pure tones and call-progress tones are never
// voice: a beep or a busy tone after answer must not look like "hello?" followed by silence.
// See README.md for why this and not WebRTC VAD (wasm) or Silero (onnxruntime), and for the
// measured false alarms and hits.

import { FFT_N, HANN, realPowerSpectrum } from "./fft.ts";
import {
  FRAME_SAMPLES,
  type FrameFeatures,
  isCallProgressTone,
  SAMPLE_RATE,
  STEADY_TONE_MS,
} from "./tones.ts";

export interface VadOptions {
  /** Mel bands between 250 and 3400 Hz. */
  bands: number;
  /** The statistic is the mean excess of this many strongest bands over their floors. */
  topBands: number;
  /** Voice starts when the statistic exceeds this (dB)… */
  onsetDb: number;
  /** …and is at least this many noise spreads above the noise frames' mean statistic. */
  onsetSpreads: number;
  /** Voice goes on while the statistic stays above this (dB)… */
  holdDb: number;
  /** …and this many spreads above the noise mean. */
  holdSpreads: number;
  /** Below this level (dBov) nothing is voice, whatever the floor. */
  absoluteFloorDb: number;
  /** Minimum-statistics window (frames, a multiple of 10). */
  windowFrames: number;
}

export const DEFAULT_VAD_OPTIONS: VadOptions = {
  bands: 8,
  topBands: 3,
  onsetDb: 7,
  onsetSpreads: 4.5,
  holdDb: 4,
  holdSpreads: 2,
  absoluteFloorDb: -60,
  windowFrames: 100,
};

const BLOCK = 10; // minimum statistics in blocks of 10 frames: O(blocks) per frame, not O(window)
const WARMUP_FRAMES = 8;
// Whatever the noise frames taught: speech well above the floor is voice.
const MAX_ONSET_DB = 11;
const MAX_HOLD_DB = 8;

/** Per-band minimum over the last `blocks` blocks of BLOCK values plus the block under way. */
class BlockMin {
  #mins: Float64Array;
  #cur: Float64Array;
  #bands: number;
  #blocks: number;
  #n = 0;
  constructor(bands: number, blocks: number) {
    this.#bands = bands;
    this.#blocks = blocks;
    this.#mins = new Float64Array(bands * blocks).fill(Number.POSITIVE_INFINITY);
    this.#cur = new Float64Array(bands).fill(Number.POSITIVE_INFINITY);
  }
  push(values: Float64Array, out: Float64Array): void {
    const nb = this.#bands;
    for (let b = 0; b < nb; b++) if (values[b]! < this.#cur[b]!) this.#cur[b] = values[b]!;
    for (let b = 0; b < nb; b++) {
      let m = this.#cur[b]!;
      for (let k = 0; k < this.#blocks; k++) {
        const v = this.#mins[k * nb + b]!;
        if (v < m) m = v;
      }
      out[b] = m;
    }
    if (++this.#n % BLOCK === 0) {
      const slot = (this.#n / BLOCK) % this.#blocks;
      for (let b = 0; b < nb; b++) {
        this.#mins[slot * nb + b] = this.#cur[b]!;
        this.#cur[b] = Number.POSITIVE_INFINITY;
      }
    }
  }
}

const clamp = (x: number, lo: number, hi: number) => (x < lo ? lo : x > hi ? hi : x);
const mel = (hz: number) => 2595 * Math.log10(1 + hz / 700);
const hzOfMel = (m: number) => 700 * (10 ** (m / 2595) - 1);

export type FrameClass = "silence" | "voice" | "tone";

export class Vad {
  #opts: VadOptions;
  #edges: Uint16Array;
  #history = new Float64Array(FFT_N);
  #windowed = new Float64Array(FFT_N);
  #re = new Float64Array(FFT_N / 2);
  #im = new Float64Array(FFT_N / 2);
  #power = new Float64Array(FFT_N / 2 + 1);
  #band: Float64Array;
  #smooth: Float64Array;
  #floor: Float64Array;
  #excess: Float64Array;
  #bandMin: BlockMin;
  #levelMin: BlockMin;
  #level = new Float64Array(1);
  #levelFloor = new Float64Array(1);
  #frames = 0;
  #voice = false;
  // The statistic's distribution on noise frames (mean, mean absolute deviation).
  #noiseMean = 4;
  #noiseSpread = 1;
  #noiseFrames = 0;
  /** Full-band noise floor (dBov, minimum over the window), for speech-to-noise estimates. */
  noiseFloorDb = -100;
  /** The last frame's statistic: mean excess (dB) of the strongest bands over their noise floors. */
  excessDb = 0;
  /**
   * Speech-to-noise ratio in the speech band (dB): the peak of the statistic over voice frames,
   * decaying 2.5 dB/s. About 55 on a clean line, 35 at 20 dB, 27 at 10 dB and 21 at 5 dB full-band
   * SNR on the corpus; 0 until voice is heard. How far pauses can be trusted.
   */
  speechSnrDb = 0;

  constructor(opts: Partial<VadOptions> = {}) {
    this.#opts = { ...DEFAULT_VAD_OPTIONS, ...opts };
    const nb = this.#opts.bands;
    this.#edges = Uint16Array.from({ length: nb + 1 }, (_, i) => {
      const m = mel(250) + ((mel(3400) - mel(250)) * i) / nb;
      return Math.round((hzOfMel(m) * FFT_N) / SAMPLE_RATE);
    });
    this.#band = new Float64Array(nb);
    this.#smooth = new Float64Array(nb);
    this.#floor = new Float64Array(nb);
    this.#excess = new Float64Array(nb);
    const blocks = Math.max(1, Math.round(this.#opts.windowFrames / BLOCK));
    this.#bandMin = new BlockMin(nb, blocks);
    this.#levelMin = new BlockMin(1, blocks);
  }

  /** f: the frame's features; frame: its 160 samples. */
  classify(f: FrameFeatures, frame: Int16Array): FrameClass {
    const o = this.#opts;
    const x = this.#statistic(frame, f.levelDb);
    const warm = this.#frames++ >= WARMUP_FRAMES;
    let voice = false;
    if (f.levelDb >= o.absoluteFloorDb && warm) {
      const mean = this.#noiseMean;
      const spread = this.#noiseSpread;
      voice = this.#voice
        ? x >= clamp(mean + o.holdSpreads * spread, o.holdDb, MAX_HOLD_DB)
        : x >= clamp(mean + o.onsetSpreads * spread, o.onsetDb, MAX_ONSET_DB);
    }
    this.#voice = voice;
    if (voice) this.speechSnrDb = Math.max(this.speechSnrDb - 0.05, x);
    else this.speechSnrDb = Math.max(0, this.speechSnrDb - 0.05);
    if (!voice) {
      // How the statistic behaves on this call's noise (white noise is steady; brown noise through
      // G.711 wanders, its quantisation noise rising and falling with the rumble), learnt quickly
      // over the first half second, then slowly; from frames near the current estimate only and
      // within bounds, so that speech from the first frame does not teach the VAD that speech is noise.
      if (warm && x < this.#noiseMean + 3 * this.#noiseSpread) {
        const a = Math.max(0.02, 1 / ++this.#noiseFrames);
        this.#noiseMean = clamp(this.#noiseMean + a * (x - this.#noiseMean), 2.5, 9);
        this.#noiseSpread = clamp(
          this.#noiseSpread + a * (Math.abs(x - this.#noiseMean) - this.#noiseSpread),
          0.6,
          2.5,
        );
      }
      return "silence";
    }
    if (f.steadyMs >= STEADY_TONE_MS || isCallProgressTone(f)) return "tone";
    return "voice";
  }

  #statistic(frame: Int16Array, levelDb: number): number {
    const h = this.#history;
    h.copyWithin(0, FRAME_SAMPLES);
    for (let i = 0; i < FRAME_SAMPLES; i++) h[FFT_N - FRAME_SAMPLES + i] = frame[i]!;
    for (let i = 0; i < FFT_N; i++) this.#windowed[i] = h[i]! * HANN[i]!;
    realPowerSpectrum(this.#windowed, this.#re, this.#im, this.#power);
    const nb = this.#opts.bands;
    const first = this.#frames === 0;
    for (let b = 0; b < nb; b++) {
      const lo = this.#edges[b]!;
      const hi = this.#edges[b + 1]!;
      let e = 0;
      for (let k = lo; k < hi; k++) e += this.#power[k]!;
      e = e / (hi - lo) + 1; // +1: digital silence stays finite
      // Two frames averaged: half the variance of the noise's band power, one frame of hangover.
      this.#smooth[b] = first ? e : 0.5 * (this.#band[b]! + e);
      this.#band[b] = e;
    }
    this.#bandMin.push(this.#smooth, this.#floor);
    this.#level[0] = levelDb;
    this.#levelMin.push(this.#level, this.#levelFloor);
    this.noiseFloorDb = this.#levelFloor[0]!;
    const ex = this.#excess;
    // The two-frame average, but never more than 3 dB above this frame alone: at the end of a word or
    // a tone the average still holds the last frame's power, this frame does not.
    for (let b = 0; b < nb; b++) {
      const p = Math.min(this.#smooth[b]!, this.#band[b]!);
      ex[b] = 10 * Math.log10(p / this.#floor[b]!);
    }
    // Mean of the top k: k passes of a max (k is 3, nb 8).
    const k = Math.min(this.#opts.topBands, nb);
    let sum = 0;
    for (let j = 0; j < k; j++) {
      let best = 0;
      for (let b = 1; b < nb; b++) if (ex[b]! > ex[best]!) best = b;
      sum += ex[best]!;
      ex[best] = Number.NEGATIVE_INFINITY;
    }
    this.excessDb = sum / k;
    return this.excessDb;
  }
}
