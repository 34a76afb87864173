// Signal building blocks for the test corpus: a seeded RNG, tones and cadences, noise, music-like
// melodies, mixing at a given SNR, WAV files, and speech from espeak-ng resampled by sox.

import { execFileSync } from "node:child_process";
import { wavFile } from "../../recording/wav.ts";
import { SAMPLE_RATE } from "../tones.ts";

export const msToSamples = (ms: number) => Math.round((ms * SAMPLE_RATE) / 1000);

/** sfc32 seeded from a string: every (seed, name) pair gets its own reproducible stream. */
export class Rng {
  #s: Uint32Array;
  constructor(seed: string) {
    let h = 1779033703 ^ seed.length;
    const s = new Uint32Array(4);
    for (let k = 0; k < 4; k++) {
      for (let i = 0; i < seed.length; i++) {
        h = Math.imul(h ^ seed.charCodeAt(i), 3432918353);
        h = (h << 13) | (h >>> 19);
      }
      h = Math.imul(h ^ (h >>> 16), 2246822507 + k);
      h = Math.imul(h ^ (h >>> 13), 3266489909);
      h ^= h >>> 16;
      s[k] = h >>> 0;
    }
    this.#s = s;
    for (let i = 0; i < 12; i++) this.next();
  }
  next(): number {
    const s = this.#s;
    const t = (((s[0]! + s[1]!) >>> 0) + s[3]!) >>> 0;
    s[3] = (s[3]! + 1) >>> 0;
    s[0] = s[1]! ^ (s[1]! >>> 9);
    s[1] = (s[2]! + (s[2]! << 3)) >>> 0;
    s[2] = ((s[2]! << 21) | (s[2]! >>> 11)) >>> 0;
    s[2] = (s[2]! + t) >>> 0;
    return t / 4294967296;
  }
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  int(lo: number, hiExclusive: number): number {
    return lo + Math.floor(this.next() * (hiExclusive - lo));
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length)]!;
  }
  normal(): number {
    const u = Math.max(this.next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
}

/** Float signals in int16 units until written out. */
export type Signal = Float64Array;

export const dbToAmp = (db: number) => 32768 * 10 ** (db / 20);

export function silence(ms: number): Signal {
  return new Float64Array(msToSamples(ms));
}

export interface ToneSpec {
  hz: number[];
  /** Level of each component, dBov (peak amplitude of a full-scale sine = 0 dB). */
  levelDb: number;
  /** Amplitude modulation (ANSam: 15 Hz, depth 0.2). */
  am?: { hz: number; depth: number };
  /** 180° phase reversals every this many ms (ANS / ANSam). */
  reversalMs?: number;
}

export function tone(spec: ToneSpec, ms: number): Signal {
  const n = msToSamples(ms);
  const out = new Float64Array(n);
  const amp = dbToAmp(spec.levelDb);
  for (let i = 0; i < n; i++) {
    const t = i / SAMPLE_RATE;
    let v = 0;
    for (const hz of spec.hz) v += Math.sin(2 * Math.PI * hz * t);
    if (spec.am) v *= 1 + spec.am.depth * Math.sin(2 * Math.PI * spec.am.hz * t);
    if (spec.reversalMs && Math.floor((t * 1000) / spec.reversalMs) % 2 === 1) v = -v;
    out[i] = amp * v;
  }
  return out;
}

/** A tone switched on and off by a cadence (on, off, on, off … ms), repeated up to totalMs. */
export function cadence(spec: ToneSpec, pattern: number[], totalMs: number, startInPatternMs = 0): Signal {
  const out = new Float64Array(msToSamples(totalMs));
  const full = tone(spec, totalMs + startInPatternMs);
  const cycle = pattern.reduce((a, b) => a + b, 0);
  for (let i = 0; i < out.length; i++) {
    let t = ((i * 1000) / SAMPLE_RATE + startInPatternMs) % cycle;
    let on = true;
    for (const seg of pattern) {
      if (t < seg) break;
      t -= seg;
      on = !on;
    }
    out[i] = on ? full[i]! : 0;
  }
  return out;
}

export function concat(...parts: Signal[]): Signal {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Adds b into a copy of a at sample offset. */
export function mixAt(a: Signal, b: Signal, offset = 0): Signal {
  const out = new Float64Array(Math.max(a.length, offset + b.length));
  out.set(a);
  for (let i = 0; i < b.length; i++) out[offset + i]! += b[i]!;
  return out;
}

export function gain(s: Signal, db: number): Signal {
  const g = 10 ** (db / 20);
  return s.map((v) => v * g);
}

export type NoiseColour = "white" | "pink" | "brown";

/** Noise at an RMS level (dBov relative to full-scale square, like levelDb in tones.ts). */
export function noise(rng: Rng, colour: NoiseColour, ms: number, rmsDb: number): Signal {
  const n = msToSamples(ms);
  const out = new Float64Array(n);
  let b0 = 0;
  let b1 = 0;
  let b2 = 0;
  let brown = 0;
  for (let i = 0; i < n; i++) {
    const w = rng.normal();
    if (colour === "white") out[i] = w;
    else if (colour === "pink") {
      // Paul Kellet's economy pink filter.
      b0 = 0.99765 * b0 + w * 0.099046;
      b1 = 0.963 * b1 + w * 0.2965164;
      b2 = 0.57 * b2 + w * 1.0526913;
      out[i] = b0 + b1 + b2 + w * 0.1848;
    } else {
      brown = 0.98 * brown + w;
      out[i] = brown;
    }
  }
  return scaleToRms(out, rmsDb);
}

export function rmsDb(s: Signal): number {
  let sum = 0;
  for (const v of s) sum += v * v;
  return s.length && sum > 0 ? 10 * Math.log10(sum / s.length / (32768 * 32768)) : -100;
}

/** RMS over the active part (20 ms frames within 30 dB of the loudest): speech level, pauses excluded. */
export function activeRmsDb(s: Signal): number {
  const frame = 160;
  const levels: number[] = [];
  for (let f = 0; f + frame <= s.length; f += frame) levels.push(rmsDb(s.subarray(f, f + frame)));
  const peak = Math.max(...levels, -100);
  const active = levels.filter((l) => l > peak - 30 && l > -90);
  if (active.length === 0) return -100;
  const meanPower = active.reduce((a, l) => a + 10 ** (l / 10), 0) / active.length;
  return 10 * Math.log10(meanPower);
}

export function scaleToRms(s: Signal, db: number): Signal {
  const cur = rmsDb(s);
  return cur <= -100 ? s : gain(s, db - cur);
}

export function scaleToActiveRms(s: Signal, db: number): Signal {
  const cur = activeRmsDb(s);
  return cur <= -100 ? s : gain(s, db - cur);
}

/** Adds noise so that the active speech level is snrDb above the noise RMS. */
export function addNoiseAtSnr(rng: Rng, s: Signal, snrDb: number, colour: NoiseColour): Signal {
  const n = noise(rng, colour, (s.length * 1000) / SAMPLE_RATE, activeRmsDb(s) - snrDb);
  return mixAt(s, n.subarray(0, s.length));
}

/** A melody with harmonics (not pure tones), optionally with a second voice: hold music, jingles. */
export function music(rng: Rng, ms: number, levelDb: number): Signal {
  const scale = [262, 294, 330, 392, 440, 523, 587, 659, 784];
  const out = new Float64Array(msToSamples(ms));
  let pos = 0;
  while (pos < out.length) {
    const noteMs = rng.pick([150, 200, 250, 300, 400, 500]);
    const len = Math.min(msToSamples(noteMs), out.length - pos);
    const root = rng.pick(scale);
    const chord = rng.next() < 0.5 ? [root, root * 1.26] : [root];
    for (let i = 0; i < len; i++) {
      const t = i / SAMPLE_RATE;
      const env = Math.min(1, i / 80) * Math.exp(-3 * t);
      let v = 0;
      for (const f of chord)
        v +=
          Math.sin(2 * Math.PI * f * t) +
          0.6 * Math.sin(4 * Math.PI * f * t) +
          0.35 * Math.sin(6 * Math.PI * f * t) +
          0.2 * Math.sin(8 * Math.PI * f * t);
      out[pos + i] = v * env;
    }
    pos += len;
  }
  return scaleToRms(out, levelDb);
}

export function toInt16(s: Signal): Int16Array {
  const out = new Int16Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = Math.max(-32768, Math.min(32767, Math.round(s[i]!)));
  return out;
}

export function fromInt16(pcm: Int16Array): Signal {
  return Float64Array.from(pcm);
}

/** A mono 16-bit WAV at the corpus rate. */
export function wavBytes(pcm: Int16Array): Uint8Array {
  return wavFile([pcm], SAMPLE_RATE);
}

export function readWav(bytes: Uint8Array): Int16Array {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let off = 12;
  while (off + 8 <= buf.length) {
    const id = buf.toString("ascii", off, off + 4);
    const size = buf.readUInt32LE(off + 4);
    if (id === "data") {
      const n = Math.floor(Math.min(size, buf.length - off - 8) / 2);
      const pcm = new Int16Array(n);
      for (let i = 0; i < n; i++) pcm[i] = buf.readInt16LE(off + 8 + 2 * i);
      return pcm;
    }
    off += 8 + size + (size & 1);
  }
  throw new Error("no data chunk in WAV");
}

export interface SpeechSpec {
  text: string;
  /** espeak-ng voice, e.g. "cmn", "cmn+f3", "en-us", "en-gb+m3". */
  voice: string;
  /** Words per minute. */
  speed: number;
  /** 0–99. */
  pitch: number;
}

const speechCache = new Map<string, Signal>();

/** Speech from espeak-ng, resampled to 8 kHz and band-limited to the telephone band by sox. */
export function speak(spec: SpeechSpec): Signal {
  const key = JSON.stringify(spec);
  const hit = speechCache.get(key);
  if (hit) return hit;
  const wav = execFileSync(
    "espeak-ng",
    ["-v", spec.voice, "-s", String(spec.speed), "-p", String(spec.pitch), "--stdout", spec.text],
    {
      maxBuffer: 64 << 20,
    },
  );
  const raw = execFileSync(
    "sox",
    [
      // -D: no dither (sox dithers from a random generator by default; the corpus must repeat).
      "-D",
      "-t",
      "wav",
      "-",
      "-t",
      "raw",
      "-r",
      "8000",
      "-e",
      "signed-integer",
      "-b",
      "16",
      "-c",
      "1",
      "-",
      "sinc",
      "250-3400",
    ],
    { input: wav, maxBuffer: 64 << 20 },
  );
  const pcm = new Int16Array(raw.buffer, raw.byteOffset, raw.byteLength >> 1);
  const sig = trimSilence(Float64Array.from(pcm));
  speechCache.set(key, sig);
  return sig;
}

/** Drops leading and trailing near-silence so timing (initial silence, gaps) is ours to set. */
export function trimSilence(s: Signal): Signal {
  const thr = dbToAmp(-50);
  let a = 0;
  while (a < s.length && Math.abs(s[a]!) < thr) a++;
  let b = s.length;
  while (b > a && Math.abs(s[b - 1]!) < thr) b--;
  return s.slice(Math.max(0, a - 40), Math.min(s.length, b + 40));
}
