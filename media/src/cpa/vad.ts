// Adaptive energy + spectral voice activity detection on 20 ms frames.
//
// Two bands (the frame and its first difference, i.e. a high-emphasis band) each keep a noise
// floor by minimum statistics over the last two seconds; a frame is active when either band rises
// a margin above its floor and above an absolute floor. Tracking the minimum rather than a mean
// lets the floor follow line noise within two seconds while speech (which always has gaps between
// syllables) cannot drag it up. Pure tones and call-progress tones are never voice: a beep or a
// busy tone after answer must not look like "hello?" followed by silence.
// See README.md for why this and not WebRTC VAD (wasm) or Silero (onnxruntime).

import { type FrameFeatures, isCallProgressTone } from "./tones.ts";

export interface VadOptions {
  /** How far above the noise floor a band must rise (dB). */
  marginDb: number;
  /** Below this level (dBov) nothing is voice, whatever the floor. */
  absoluteFloorDb: number;
  /** Minimum-statistics window (frames). */
  windowFrames: number;
  /** Purity above which a frame is a tone, not voice. */
  tonePurity: number;
}

export const DEFAULT_VAD_OPTIONS: VadOptions = {
  marginDb: 8,
  absoluteFloorDb: -50,
  windowFrames: 100,
  tonePurity: 0.9,
};

/** Ring buffer minimum over the last n values (n is small: a linear scan is cheaper than a deque). */
class MinWindow {
  #values: Float64Array;
  #count = 0;
  constructor(n: number) {
    this.#values = new Float64Array(n);
  }
  push(v: number): void {
    this.#values[this.#count % this.#values.length] = v;
    this.#count++;
  }
  min(): number {
    const n = Math.min(this.#count, this.#values.length);
    let m = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n; i++) if (this.#values[i]! < m) m = this.#values[i]!;
    return m;
  }
}

function db(meanSquare: number): number {
  return meanSquare > 0 ? Math.max(-100, 10 * Math.log10(meanSquare / (32768 * 32768))) : -100;
}

export type FrameClass = "silence" | "voice" | "tone";

export class Vad {
  #opts: VadOptions;
  #low: MinWindow;
  #high: MinWindow;
  /** Noise floor estimate (dBov) of the full band, for reporting and SNR-aware callers. */
  noiseFloorDb = -100;

  constructor(opts: Partial<VadOptions> = {}) {
    this.#opts = { ...DEFAULT_VAD_OPTIONS, ...opts };
    this.#low = new MinWindow(this.#opts.windowFrames);
    this.#high = new MinWindow(this.#opts.windowFrames);
  }

  classify(f: FrameFeatures): FrameClass {
    const lowDb = f.levelDb;
    const highDb = db(f.hfEnergy);
    this.#low.push(lowDb);
    this.#high.push(highDb);
    const lowFloor = this.#low.min();
    const highFloor = this.#high.min();
    this.noiseFloorDb = lowFloor;
    if (lowDb < this.#opts.absoluteFloorDb) return "silence";
    const m = this.#opts.marginDb;
    const active = lowDb > lowFloor + m || highDb > highFloor + m;
    if (!active) return "silence";
    if (f.purity >= this.#opts.tonePurity || isCallProgressTone(f)) return "tone";
    return "voice";
  }
}
