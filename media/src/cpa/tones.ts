// Per-frame tone features and the cadence trackers of call progress analysis: SIT, busy and
// congestion (US precise tones and the Chinese 450 Hz plan), ringback, fax CNG/CED, modem ANSam,
// and the answering-machine beep. Everything works on 20 ms frames of 8 kHz PCM and allocates
// nothing per frame.
//
// Two estimators per frame:
// - a single-tone fit (second-order linear predictor x[n] = a·x[n-1] − x[n-2], exact for one
//   sinusoid): gives the dominant frequency and a purity (share of the energy one sinusoid explains).
//   Speech, music with harmonics and noise have low purity, so it is the twist/energy-ratio check
//   for all single-frequency tones (SIT segments, 450 Hz, 1100 Hz, 2100 Hz, beeps).
// - a Goertzel bank over the last two frames (40 ms, 25 Hz resolution) for the dual tones
//   (480+620, 440+480), which the single-tone fit cannot separate (they beat within one frame).

export const SAMPLE_RATE = 8000;
export const FRAME_SAMPLES = 160;
export const FRAME_MS = 20;

/** Goertzel bank frequencies (Hz), evaluated over the last 320 samples. */
export const BANK_HZ = [350, 440, 450, 480, 620] as const;
const BANK_N = 2 * FRAME_SAMPLES;
const ENVELOPE_BLOCKS = 4; // 5 ms sub-frame RMS values, for the 15 Hz ANSam modulation

export interface FrameFeatures {
  /** Mean square of the frame (int16 units²). */
  energy: number;
  /** Frame level in dB relative to a full-scale square wave (dBov); −100 for digital silence. */
  levelDb: number;
  /** Mean square of the first difference: a cheap high-band energy for the VAD. */
  hfEnergy: number;
  /** Dominant single-tone frequency (Hz) from the second-order fit; 0 when undefined. */
  toneHz: number;
  /** 0..1: share of the frame energy a single sinusoid at toneHz explains. */
  purity: number;
  /** Goertzel power at BANK_HZ as a share of the two-frame energy (1 = all of it). */
  bank: Float64Array;
  /** RMS of each 5 ms quarter of the frame. */
  envelope: Float64Array;
  /**
   * How long (ms, this frame included) a pure tone has held its frequency within 1 %. Speech can be
   * as pure as a tone within one 20 ms frame, but its pitch and formants glide; tones do not.
   */
  steadyMs: number;
  /** Mean frequency of that steady run (Hz). */
  steadyHz: number;
}

/** Minimum level for any call-progress tone (tones are sent around −24 dBm0 ≈ −27 dBov). */
export const MIN_TONE_DB = -48;
/** A pure tone that has held its frequency this long is a tone, never speech. */
export const STEADY_TONE_MS = 100;

export function levelDb(meanSquare: number): number {
  return meanSquare > 0 ? Math.max(-100, 10 * Math.log10(meanSquare / (32768 * 32768))) : -100;
}

/** Computes FrameFeatures for consecutive 160-sample frames (keeps the previous frame for the bank). */
export class FrameAnalyzer {
  readonly features: FrameFeatures = {
    energy: 0,
    levelDb: -100,
    hfEnergy: 0,
    toneHz: 0,
    purity: 0,
    bank: new Float64Array(BANK_HZ.length),
    envelope: new Float64Array(ENVELOPE_BLOCKS),
    steadyMs: 0,
    steadyHz: 0,
  };
  #prev = new Float64Array(FRAME_SAMPLES);
  #prevEnergySum = 0;
  #coeffs = Float64Array.from(BANK_HZ, (hz) => 2 * Math.cos((2 * Math.PI * hz) / SAMPLE_RATE));

  analyze(frame: Int16Array): FrameFeatures {
    const f = this.features;
    let sum = 0;
    let hf = 0;
    let prevSample = this.#prev[FRAME_SAMPLES - 1]!;
    const blockLen = FRAME_SAMPLES / ENVELOPE_BLOCKS;
    for (let b = 0; b < ENVELOPE_BLOCKS; b++) {
      let blockSum = 0;
      for (let i = b * blockLen; i < (b + 1) * blockLen; i++) {
        const x = frame[i]!;
        blockSum += x * x;
        const d = x - prevSample;
        hf += d * d;
        prevSample = x;
      }
      f.envelope[b] = Math.sqrt(blockSum / blockLen);
      sum += blockSum;
    }
    f.energy = sum / FRAME_SAMPLES;
    f.hfEnergy = hf / FRAME_SAMPLES;
    f.levelDb = levelDb(f.energy);
    this.#fitSingleTone(frame, sum);
    this.#trackSteadiness();
    this.#goertzelBank(frame, sum + this.#prevEnergySum);
    for (let i = 0; i < FRAME_SAMPLES; i++) this.#prev[i] = frame[i]!;
    this.#prevEnergySum = sum;
    return f;
  }

  #fitSingleTone(x: Int16Array, energySum: number): void {
    const f = this.features;
    if (energySum <= 0) {
      f.toneHz = 0;
      f.purity = 0;
      return;
    }
    // Least-squares a for x[n] + x[n-2] = a·x[n-1]; for a pure sinusoid a = 2cos(ω).
    let num = 0;
    let den = 0;
    for (let n = 2; n < FRAME_SAMPLES; n++) {
      const mid = x[n - 1]!;
      num += mid * (x[n]! + x[n - 2]!);
      den += mid * mid;
    }
    if (den <= 0) {
      f.toneHz = 0;
      f.purity = 0;
      return;
    }
    const a = Math.max(-2, Math.min(2, num / den));
    let residual = 0;
    let ref = 0;
    for (let n = 2; n < FRAME_SAMPLES; n++) {
      const e = x[n]! + x[n - 2]! - a * x[n - 1]!;
      residual += e * e;
      const v = x[n]!;
      ref += v * v;
    }
    // White noise through the notch 1 − a·z⁻¹ + z⁻² has gain 2 + a²: normalise so noise scores ~0.
    f.purity = ref > 0 ? Math.max(0, 1 - residual / ((2 + a * a) * ref)) : 0;
    f.toneHz = (Math.acos(a / 2) * SAMPLE_RATE) / (2 * Math.PI);
  }

  #trackSteadiness(): void {
    const f = this.features;
    if (f.purity < STEADY_PURITY || f.levelDb < MIN_TONE_DB) {
      f.steadyMs = 0;
      return;
    }
    if (f.steadyMs > 0 && Math.abs(f.toneHz - f.steadyHz) <= Math.max(6, 0.01 * f.steadyHz)) {
      const n = f.steadyMs / FRAME_MS;
      f.steadyHz = (f.steadyHz * n + f.toneHz) / (n + 1);
      f.steadyMs += FRAME_MS;
    } else {
      f.steadyMs = FRAME_MS;
      f.steadyHz = f.toneHz;
    }
  }

  #goertzelBank(x: Int16Array, energySum: number): void {
    const bank = this.features.bank;
    if (energySum <= 0) {
      bank.fill(0);
      return;
    }
    const prev = this.#prev;
    const norm = 0.5 * BANK_N * energySum;
    for (let k = 0; k < this.#coeffs.length; k++) {
      const c = this.#coeffs[k]!;
      let s1 = 0;
      let s2 = 0;
      for (let i = 0; i < FRAME_SAMPLES; i++) {
        const s0 = prev[i]! + c * s1 - s2;
        s2 = s1;
        s1 = s0;
      }
      for (let i = 0; i < FRAME_SAMPLES; i++) {
        const s0 = x[i]! + c * s1 - s2;
        s2 = s1;
        s1 = s0;
      }
      bank[k] = (s1 * s1 + s2 * s2 - c * s1 * s2) / norm;
    }
  }
}

const BANK_INDEX = Object.fromEntries(BANK_HZ.map((hz, i) => [hz, i])) as Record<
  (typeof BANK_HZ)[number],
  number
>;
function bank(f: FrameFeatures, hz: (typeof BANK_HZ)[number]): number {
  return f.bank[BANK_INDEX[hz]]!;
}

const MIN_PURITY = 0.9;
const STEADY_PURITY = 0.85;

/** A single sinusoid between loHz and hiHz dominates the frame. */
export function isPureTone(f: FrameFeatures, loHz: number, hiHz: number, minPurity = MIN_PURITY): boolean {
  return f.levelDb >= MIN_TONE_DB && f.purity >= minPurity && f.toneHz >= loHz && f.toneHz <= hiHz;
}

/** Chinese 450 Hz tone (dial, busy, congestion, ringback differ only in cadence). */
export function isCn450(f: FrameFeatures): boolean {
  return isPureTone(f, 430, 470) && bank(f, 480) < 0.15 && bank(f, 450) > 0.5;
}
/** US busy / reorder: 480 + 620 Hz, each component carrying a fair share (twist within ~8 dB). */
export function isUs480620(f: FrameFeatures): boolean {
  const a = bank(f, 480);
  const b = bank(f, 620);
  return f.levelDb >= MIN_TONE_DB && a + b >= 0.7 && a >= 0.12 && b >= 0.12;
}
/** US audible ringing: 440 + 480 Hz. */
export function isUs440480(f: FrameFeatures): boolean {
  const a = bank(f, 440);
  const b = bank(f, 480);
  return f.levelDb >= MIN_TONE_DB && a + b >= 0.7 && a >= 0.12 && b >= 0.12 && bank(f, 620) < 0.1;
}
/** Any call-progress tone that must never count as voice. */
export function isCallProgressTone(f: FrameFeatures): boolean {
  return (
    isCn450(f) ||
    isUs480620(f) ||
    isUs440480(f) ||
    (bank(f, 350) + bank(f, 440) >= 0.8 && bank(f, 350) > 0.15)
  );
}

// ---------------------------------------------------------------------------------------------
// Cadence: on/off runs of a per-frame boolean, debounced by one frame so a single dropped or
// spurious frame does not split a run. The first run is truncated (the tone may have started
// before the media did) and is never matched.

export interface Run {
  on: boolean;
  ms: number;
}

export class RunTracker {
  readonly runs: Run[] = [];
  #state = false;
  #frames = 0;
  #pending = 0;
  #seenFlip = false;
  #maxRuns: number;

  constructor(maxRuns = 8) {
    this.#maxRuns = maxRuns;
  }

  get on(): boolean {
    return this.#state;
  }
  /** Duration of the run in progress. */
  get currentMs(): number {
    return this.#frames * FRAME_MS;
  }
  /** True while the run in progress started at an observed flip (its start is genuine). */
  get currentComplete(): boolean {
    return this.#seenFlip;
  }

  /** Returns true when a run just completed (runs[runs.length-1] is new). */
  push(on: boolean): boolean {
    if (on === this.#state) {
      this.#frames += 1 + this.#pending;
      this.#pending = 0;
      return false;
    }
    if (this.#pending === 0) {
      this.#pending = 1;
      return false;
    }
    // Second frame of the new state: the flip is real; the first pending frame belongs to it.
    const completed = this.#seenFlip;
    if (completed) {
      this.runs.push({ on: this.#state, ms: this.#frames * FRAME_MS });
      if (this.runs.length > this.#maxRuns) this.runs.shift();
    }
    this.#state = on;
    this.#frames = 2;
    this.#pending = 0;
    this.#seenFlip = true;
    return completed;
  }
}

/** The last `count` completed runs alternate on/off and each is within tolMs of its nominal length. */
export function cadenceMatches(
  runs: readonly Run[],
  onMs: number,
  offMs: number,
  tolMs: number,
  count: number,
) {
  if (runs.length < count) return false;
  for (let i = runs.length - count; i < runs.length; i++) {
    const r = runs[i]!;
    const nominal = r.on ? onMs : offMs;
    if (Math.abs(r.ms - nominal) > tolMs) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Early-media call progress: busy, congestion, ringback (informational), SIT.

export type TonePlan = "cn" | "us";
/** Telcordia SIT codes (intercept, no circuit, vacant code, reorder) or "itu" for the plain ITU SIT. */
export type SitCode = "IC" | "NC" | "VC" | "RO" | "itu" | "other";

export type CallProgressTone =
  | { kind: "busy"; plan: TonePlan }
  | { kind: "congestion"; plan: TonePlan }
  | { kind: "ringback"; plan: TonePlan }
  | { kind: "sit"; code: SitCode; hz: [number, number, number]; ms: [number, number, number] };

interface ToneCadence {
  plan: TonePlan;
  kind: "busy" | "congestion";
  onMs: number;
  offMs: number;
  tolMs: number;
}

// Chinese plan: busy 0.35/0.35 s, congestion 0.7/0.7 s; US: busy 0.5/0.5 s, reorder 0.25/0.25 s.
const CN_CADENCES: ToneCadence[] = [
  { plan: "cn", kind: "busy", onMs: 350, offMs: 350, tolMs: 80 },
  { plan: "cn", kind: "congestion", onMs: 700, offMs: 700, tolMs: 120 },
];
const US_CADENCES: ToneCadence[] = [
  { plan: "us", kind: "busy", onMs: 500, offMs: 500, tolMs: 90 },
  { plan: "us", kind: "congestion", onMs: 250, offMs: 250, tolMs: 60 },
];

/** Tracks one tone plan's frequency and reports busy / congestion / ringback cadences. */
class PlanTracker {
  readonly runs = new RunTracker();
  #cadences: ToneCadence[];
  #ringOnMs: [number, number];
  #plan: TonePlan;
  #lastCompletedOnMs = 0;

  constructor(plan: TonePlan, cadences: ToneCadence[], ringOnMs: [number, number]) {
    this.#plan = plan;
    this.#cadences = cadences;
    this.#ringOnMs = ringOnMs;
  }

  push(on: boolean): CallProgressTone | null {
    const completed = this.runs.push(on);
    const runs = this.runs.runs;
    if (completed) {
      const last = runs[runs.length - 1]!;
      if (last.on) this.#lastCompletedOnMs = last.ms;
      // Three alternating runs (on-off-on or off-on-off) of the right lengths.
      for (const c of this.#cadences) {
        if (cadenceMatches(runs, c.onMs, c.offMs, c.tolMs, 3)) return { kind: c.kind, plan: this.#plan };
      }
    }
    // Ringing: one complete burst of the ringing length, then a long silence under way.
    const [lo, hi] = this.#ringOnMs;
    if (!this.runs.on && this.runs.currentMs >= 1500 && this.#lastCompletedOnMs >= lo) {
      if (this.#lastCompletedOnMs <= hi) return { kind: "ringback", plan: this.#plan };
    }
    return null;
  }
}

/** SIT: three rising single-frequency segments, ~274 or ~380 ms each, gaps of at most a few ms. */
interface SitSegment {
  band: number;
  start: number;
  end: number;
  hzSum: number;
  n: number;
}

class SitTracker {
  #segs: SitSegment[] = [];
  #frame = 0;

  push(f: FrameFeatures): CallProgressTone | null {
    const idx = this.#frame++;
    const band = sitBand(f);
    if (band === 0) return null;
    const last = this.#segs[this.#segs.length - 1];
    if (last && last.band === band && idx - last.end <= 3) {
      last.end = idx;
      last.hzSum += f.toneHz;
      last.n++;
    } else {
      this.#segs.push({ band, start: idx, end: idx, hzSum: f.toneHz, n: 1 });
      if (this.#segs.length > 3) this.#segs.shift();
    }
    if (this.#segs.length < 3) return null;
    const [s1, s2, s3] = this.#segs as [SitSegment, SitSegment, SitSegment];
    if (s1.band !== 1 || s2.band !== 2 || s3.band !== 3) return null;
    const ms = (s: SitSegment) => (s.end - s.start + 1) * FRAME_MS;
    const okLen = (s: SitSegment) => ms(s) >= 200 && ms(s) <= 460;
    if (!okLen(s1) || !okLen(s2) || ms(s3) < 200) return null;
    if (s2.start - s1.end > 4 || s3.start - s2.end > 4) return null;
    const hz: [number, number, number] = [s1.hzSum / s1.n, s2.hzSum / s2.n, s3.hzSum / s3.n];
    this.#segs.length = 0;
    return { kind: "sit", code: sitCode(hz, [ms(s1), ms(s2)]), hz, ms: [ms(s1), ms(s2), ms(s3)] };
  }
}

function sitBand(f: FrameFeatures): number {
  if (isPureTone(f, 880, 1020)) return 1;
  if (isPureTone(f, 1330, 1480)) return 2;
  if (isPureTone(f, 1730, 1860)) return 3;
  return 0;
}

function sitCode(hz: [number, number, number], ms: [number, number]): SitCode {
  // ITU SIT (950/1400/1800) sits between the Telcordia low/high frequencies and carries no code.
  if (Math.abs(hz[0] - 949.5) < 15 && Math.abs(hz[1] - 1399.5) < 15) return "itu";
  const high1 = hz[0] > 949.5;
  const high2 = hz[1] > 1399.5;
  const long1 = ms[0] > 327;
  const long2 = ms[1] > 327;
  if (!high1 && !high2 && !long1 && !long2) return "IC";
  if (!high1 && !high2 && long1 && long2) return "NC";
  if (high1 && !high2 && long1 && !long2) return "VC";
  if (high1 && !high2 && !long1 && long2) return "RO";
  return "other";
}

/** Busy, congestion, ringback (both plans) and SIT over early media frames. */
export class CallProgressDetector {
  #cn = new PlanTracker("cn", CN_CADENCES, [800, 1250]);
  #usBusy = new PlanTracker("us", US_CADENCES, [99999, 0]);
  #usRing = new PlanTracker("us", [], [1700, 2400]);
  #sit = new SitTracker();

  push(f: FrameFeatures): CallProgressTone | null {
    return (
      this.#sit.push(f) ??
      this.#cn.push(isCn450(f)) ??
      this.#usBusy.push(isUs480620(f)) ??
      this.#usRing.push(isUs440480(f))
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Fax and modem: CNG (1100 Hz, 0.5 s on / 3 s off), CED / ANS (2100 Hz), ANSam (2100 Hz with 20 %
// amplitude modulation at 15 Hz). CED is decided after 700 ms of tone, not the full 2.6–4 s.

export type FaxTone = { kind: "fax"; tone: "ced" | "cng" } | { kind: "modem"; tone: "ansam" };

const ENV_RATE = SAMPLE_RATE / (FRAME_SAMPLES / ENVELOPE_BLOCKS); // 200 Hz
const ANS_DECIDE_FRAMES = 35; // 700 ms
const ENV_WINDOW = 120; // 600 ms of 5 ms envelope values (9 cycles of 15 Hz)
export const ANSAM_MIN_DEPTH = 0.1;

export class FaxDetector {
  #ansFrames = 0;
  #ansGap = 0;
  #env = new Float64Array(ENV_WINDOW);
  #envCount = 0;
  #cng = new RunTracker();
  #cngBurstEndedQuietMs = -1;

  /** quiet: nothing but silence/noise in this frame (lets a lone CNG burst decide). */
  push(f: FrameFeatures, quiet: boolean): FaxTone | null {
    return this.#pushAns(f) ?? this.#pushCng(f, quiet);
  }

  #pushAns(f: FrameFeatures): FaxTone | null {
    if (isPureTone(f, 2070, 2130, 0.8)) {
      this.#ansFrames += 1 + this.#ansGap;
      this.#ansGap = 0;
      for (let b = 0; b < ENVELOPE_BLOCKS; b++) this.#env[this.#envCount++ % ENV_WINDOW] = f.envelope[b]!;
    } else if (this.#ansFrames > 0 && this.#ansGap < 2) {
      // A 180° phase reversal (every 450 ms in ANS/ANSam) spoils one frame's fit: bridge it.
      this.#ansGap++;
      for (let b = 0; b < ENVELOPE_BLOCKS; b++) this.#env[this.#envCount++ % ENV_WINDOW] = f.envelope[b]!;
    } else {
      this.#ansFrames = 0;
      this.#ansGap = 0;
      this.#envCount = 0;
    }
    if (this.#ansFrames < ANS_DECIDE_FRAMES || this.#envCount < ENV_WINDOW) return null;
    this.#ansFrames = 0;
    this.#envCount = 0;
    return modulationDepth(this.#env, 15, ENV_RATE) >= ANSAM_MIN_DEPTH
      ? { kind: "modem", tone: "ansam" }
      : { kind: "fax", tone: "ced" };
  }

  #pushCng(f: FrameFeatures, quiet: boolean): FaxTone | null {
    const on = isPureTone(f, 1062, 1138);
    if (this.#cng.push(on)) {
      const last = this.#cng.runs[this.#cng.runs.length - 1]!;
      if (last.on && last.ms >= 400 && last.ms <= 700) this.#cngBurstEndedQuietMs = 0;
      else if (last.on) this.#cngBurstEndedQuietMs = -1;
    }
    if (this.#cngBurstEndedQuietMs < 0 || on) return null;
    if (!quiet) {
      this.#cngBurstEndedQuietMs = -1;
      return null;
    }
    this.#cngBurstEndedQuietMs += FRAME_MS;
    // A lone 0.5 s 1100 Hz burst followed by a second of quiet: a calling fax, not a beep after speech.
    if (this.#cngBurstEndedQuietMs >= 1000) {
      this.#cngBurstEndedQuietMs = -1;
      return { kind: "fax", tone: "cng" };
    }
    return null;
  }
}

/** Relative depth of a sinusoidal amplitude modulation at hz in an envelope ring buffer. */
export function modulationDepth(env: Float64Array, hz: number, rate: number): number {
  let mean = 0;
  for (let i = 0; i < env.length; i++) mean += env[i]!;
  mean /= env.length;
  if (mean <= 0) return 0;
  let c = 0;
  let s = 0;
  for (let i = 0; i < env.length; i++) {
    const w = (2 * Math.PI * hz * i) / rate;
    const v = env[i]! - mean;
    c += v * Math.cos(w);
    s += v * Math.sin(w);
  }
  return (2 * Math.hypot(c, s)) / env.length / mean;
}

// ---------------------------------------------------------------------------------------------
// Answering-machine beep: one pure tone, 400–2000 Hz, 100–1500 ms, steady in frequency.

export interface Beep {
  hz: number;
  ms: number;
}

export class BeepDetector {
  #lastSteadyMs = 0;
  #lastHz = 0;
  #reported = false;

  push(f: FrameFeatures): Beep | null {
    const inBand = f.steadyHz >= 380 && f.steadyHz <= 2050 && f.levelDb >= -45;
    const ms = inBand ? f.steadyMs : 0;
    const prevMs = this.#lastSteadyMs;
    const prevHz = this.#lastHz;
    this.#lastSteadyMs = ms;
    this.#lastHz = f.steadyHz;
    if (ms > prevMs) {
      // Report a long beep once it has lasted 200 ms, without waiting for its end.
      if (!this.#reported && ms >= 200) {
        this.#reported = true;
        return { hz: f.steadyHz, ms };
      }
      return null;
    }
    // The steady run ended (or restarted at another frequency).
    const reported = this.#reported;
    this.#reported = false;
    if (!reported && prevMs >= 100 && prevMs <= 1500) return { hz: prevHz, ms: prevMs };
    return null;
  }
}
