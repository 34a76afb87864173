// Adaptive energy + spectral voice activity detection on 20 ms frames.
//
// Two bands (the frame and its first difference, i.e. a high-emphasis band) each keep a noise
// floor by minimum statistics over the last two seconds; a frame is active when either band rises
// a margin above its floor and above an absolute floor. Tracking the minimum rather than a mean
// lets the floor follow line noise within two seconds while speech (which always has gaps between
// syllables) cannot drag it up. Pure tones and call-progress tones are never voice: a beep or a
// busy tone after answer must not look like "hello?" followed by silence.
// See README.md for why this and not WebRTC VAD (wasm) or Silero (onnxruntime).

import { type FrameFeatures, isCallProgressTone, STEADY_TONE_MS } from "./tones.ts";

export interface VadOptions {
  /** Least distance above the noise floor a band must rise (dB); more on fluctuating noise. */
  marginDb: number;
  /** The margin is at least this many times the noise's typical excursion above its floor. */
  spreadFactor: number;
  /** Below this level (dBov) nothing is voice, whatever the floor. */
  absoluteFloorDb: number;
  /** Minimum-statistics window (frames). */
  windowFrames: number;
}

export const DEFAULT_VAD_OPTIONS: VadOptions = {
  marginDb: 4.5,
  spreadFactor: 2.5,
  absoluteFloorDb: -50,
  windowFrames: 100,
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

const WARMUP_FRAMES = 12;

export type FrameClass = "silence" | "voice" | "tone";

export class Vad {
  #opts: VadOptions;
  #low: MinWindow;
  #high: MinWindow;
  #frames = 0;
  #lowSpread = 2;
  #highSpread = 2;
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
    const { marginDb, spreadFactor } = this.#opts;
    // Until the floor has seen a quarter second it may sit on a noise trough: be stricter.
    const warmup = this.#frames++ < WARMUP_FRAMES ? 6 : 0;
    const lowMargin = warmup + Math.min(12, Math.max(marginDb, spreadFactor * this.#lowSpread));
    const highMargin = warmup + Math.min(12, Math.max(marginDb, spreadFactor * this.#highSpread));
    const active = lowDb > lowFloor + lowMargin || highDb > highFloor + highMargin;
    if (!active) {
      // How far noise frames wander above the floor: white noise ~1 dB, brown noise or hum more.
      this.#lowSpread += 0.05 * (lowDb - lowFloor - this.#lowSpread);
      this.#highSpread += 0.05 * (highDb - highFloor - this.#highSpread);
      return "silence";
    }
    if (f.steadyMs >= STEADY_TONE_MS || isCallProgressTone(f)) return "tone";
    return "voice";
  }
}
