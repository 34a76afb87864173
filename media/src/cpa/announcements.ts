// Recognising carriers' recorded announcements (空号, 关机, 停机, 不在服务区, 正忙 …) in early media
// by audio fingerprint, since Chinese carriers play these instead of SIT tones.
//
// Fingerprint: every 20 ms, the energies of 17 mel-spaced bands (250–3500 Hz) over the last 32 ms
// give 16 bits, bit m = sign of the change over time of the energy difference between bands m and
// m+1 (Haitsma–Kalker). Signs of energy differences do not move with level, survive G.711 and most
// noise, and a match is a low bit error rate (BER) over a sliding 1.5 s window. Because the query's
// 20 ms grid falls anywhere relative to the reference's, the reference is fingerprinted at four
// grid phases (0, 5, 10, 15 ms); and because announcements loop, each reference wraps around.
// Candidate alignments come from exact look-ups of query sub-fingerprints (and their one-bit
// neighbours) in an index, and only the best-voted ones are scored.

import { FFT_N, fft, HANN } from "./fft.ts";
import { FRAME_SAMPLES, levelDb, SAMPLE_RATE } from "./tones.ts";

export const ANNOUNCEMENT_CLASSES = [
  "invalid-number", // 空号: the number you dialed does not exist
  "powered-off", // 关机
  "suspended", // 停机
  "out-of-service-area", // 不在服务区 / 暂时无法接通
  "busy", // 正忙 / 正在通话中
] as const;
export type AnnouncementClass = (typeof ANNOUNCEMENT_CLASSES)[number];

export interface AnnouncementEntry {
  id: string;
  class: AnnouncementClass;
  /** 8 kHz mono PCM of one loop of the announcement. */
  pcm: Int16Array;
}

const BANDS = 17;
const PHASES = 4;
const PHASE_STEP = FRAME_SAMPLES / PHASES;
const WINDOW = 75; // query window: 1.5 s
const EVERY = 5; // score every 100 ms
const FORMAT = "cpa-fingerprints";
const VERSION = 1;

export interface MatchOptions {
  /** A window matches a reference when its BER is at most this. */
  maxBer: number;
  /** …and every reference of another class scores at least this much worse. */
  classMargin: number;
  /** Share of the window that must fall on the reference's speech (not its pauses). */
  minLoudShare: number;
  /**
   * Consecutive evaluations (each 100 ms apart) that must find the same reference at the same
   * place, moving on in step with the call: a chance resemblance does not keep lining up.
   */
  confirmations: number;
}
export const DEFAULT_MATCH_OPTIONS: MatchOptions = {
  maxBer: 0.25,
  classMargin: 0.06,
  minLoudShare: 0.5,
  confirmations: 3,
};

const mel = (hz: number) => 2595 * Math.log10(1 + hz / 700);
const hzOfMel = (m: number) => 700 * (10 ** (m / 2595) - 1);
/** FFT bin edges of the bands: band b covers bins [EDGES[b], EDGES[b+1]). */
const EDGES = Uint16Array.from({ length: BANDS + 1 }, (_, i) => {
  const m = mel(250) + ((mel(3500) - mel(250)) * i) / BANDS;
  return Math.round((hzOfMel(m) * FFT_N) / SAMPLE_RATE);
});

/** Streams 16-bit sub-fingerprints, one per 160 new samples, over the last 256 samples. */
export class SubFingerprinter {
  #history = new Float64Array(FFT_N);
  #re = new Float64Array(FFT_N);
  #im = new Float64Array(FFT_N);
  #prevBands = new Float64Array(BANDS);
  #bands = new Float64Array(BANDS);
  #started = false;
  /** Level (dBov) of the newest 160 samples. */
  lastLevelDb = -100;

  /** Feed exactly FRAME_SAMPLES samples; returns the sub-fingerprint (first call: a dummy 0). */
  push(frame: Int16Array | Float64Array, offset = 0): number {
    const h = this.#history;
    h.copyWithin(0, FRAME_SAMPLES);
    let sum = 0;
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      const x = frame[offset + i]!;
      h[FFT_N - FRAME_SAMPLES + i] = x;
      sum += x * x;
    }
    this.lastLevelDb = levelDb(sum / FRAME_SAMPLES);
    for (let i = 0; i < FFT_N; i++) {
      this.#re[i] = h[i]! * HANN[i]!;
      this.#im[i] = 0;
    }
    fft(this.#re, this.#im);
    const bands = this.#bands;
    for (let b = 0; b < BANDS; b++) {
      let e = 0;
      for (let k = EDGES[b]!; k < EDGES[b + 1]!; k++) e += this.#re[k]! ** 2 + this.#im[k]! ** 2;
      bands[b] = e;
    }
    let bits = 0;
    if (this.#started) {
      const p = this.#prevBands;
      for (let m = 0; m < BANDS - 1; m++) {
        if (bands[m]! - bands[m + 1]! - (p[m]! - p[m + 1]!) > 0) bits |= 1 << m;
      }
    }
    this.#started = true;
    this.#prevBands.set(bands);
    return bits;
  }
}

function popcount16(x: number): number {
  let v = x - ((x >> 1) & 0x5555);
  v = (v & 0x3333) + ((v >> 2) & 0x3333);
  v = (v + (v >> 4)) & 0x0f0f;
  return (v + (v >> 8)) & 0x1f;
}

// ---------------------------------------------------------------------------------------------
// Database.

interface RefBlock {
  entry: number; // index into entries
  phase: number;
  start: number; // offset of this block in the global arrays
  length: number;
}

export interface FingerprintDbJson {
  format: typeof FORMAT;
  version: number;
  entries: { id: string; class: AnnouncementClass; frames: number; phases: string[]; loud: string }[];
}

export class FingerprintDb {
  readonly entries: { id: string; class: AnnouncementClass; frames: number }[];
  /** All sub-fingerprints of all (entry, phase) blocks, back to back. */
  readonly prints: Uint16Array;
  /** 1 where the reference frame is speech (indexed and scored), 0 in its pauses. */
  readonly loud: Uint8Array;
  readonly blocks: RefBlock[];
  /** Block of each global position. */
  readonly blockOf: Uint16Array;
  /** Index: positions with sub-fingerprint v are indexPos[indexHead[v] .. indexHead[v+1]). */
  readonly indexHead: Uint32Array;
  readonly indexPos: Uint32Array;

  constructor(
    entries: { id: string; class: AnnouncementClass; frames: number }[],
    phasePrints: Uint16Array[][],
    loud: Uint8Array[],
  ) {
    this.entries = entries;
    const blocks: RefBlock[] = [];
    let total = 0;
    phasePrints.forEach((phases, entry) => {
      phases.forEach((p, phase) => {
        blocks.push({ entry, phase, start: total, length: p.length });
        total += p.length;
      });
    });
    this.blocks = blocks;
    this.prints = new Uint16Array(total);
    this.loud = new Uint8Array(total);
    this.blockOf = new Uint16Array(total);
    blocks.forEach((b, bi) => {
      const p = phasePrints[b.entry]![b.phase]!;
      this.prints.set(p, b.start);
      const mask = loud[b.entry]!;
      for (let i = 0; i < b.length; i++) this.loud[b.start + i] = mask[i] ?? 0;
      this.blockOf.fill(bi, b.start, b.start + b.length);
    });
    // Counting sort of loud positions by sub-fingerprint value.
    const head = new Uint32Array(65537);
    for (let g = 0; g < total; g++) if (this.loud[g]) head[this.prints[g]! + 1]!++;
    for (let v = 0; v < 65536; v++) head[v + 1]! += head[v]!;
    const pos = new Uint32Array(head[65536]!);
    const fill = head.slice(0, 65536);
    for (let g = 0; g < total; g++) if (this.loud[g]) pos[fill[this.prints[g]!]!++] = g;
    this.indexHead = head;
    this.indexPos = pos;
  }

  toJSON(): FingerprintDbJson {
    return {
      format: FORMAT,
      version: VERSION,
      entries: this.entries.map((e, ei) => {
        const own = this.blocks.filter((b) => b.entry === ei);
        const first = own[0]!;
        return {
          id: e.id,
          class: e.class,
          frames: e.frames,
          phases: own.map((b) => toBase64(this.prints.subarray(b.start, b.start + b.length))),
          loud: Buffer.from(packBits(this.loud.subarray(first.start, first.start + first.length))).toString(
            "base64",
          ),
        };
      }),
    };
  }
}

function toBase64(a: Uint16Array): string {
  const bytes = new Uint8Array(a.length * 2);
  for (let i = 0; i < a.length; i++) {
    bytes[2 * i] = a[i]! & 0xff;
    bytes[2 * i + 1] = a[i]! >> 8;
  }
  return Buffer.from(bytes).toString("base64");
}
function fromBase64(s: string): Uint16Array {
  const bytes = Buffer.from(s, "base64");
  const a = new Uint16Array(bytes.length >> 1);
  for (let i = 0; i < a.length; i++) a[i] = bytes[2 * i]! | (bytes[2 * i + 1]! << 8);
  return a;
}
function packBits(bits: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(bits.length / 8));
  for (let i = 0; i < bits.length; i++) if (bits[i]) out[i >> 3]! |= 1 << (i & 7);
  return out;
}
function unpackBits(bytes: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (bytes[i >> 3]! >> (i & 7)) & 1;
  return out;
}

/** Sub-fingerprints of pcm starting at sample `offset`, continuing cyclically for `extra` frames. */
function fingerprintCyclic(pcm: Int16Array, offset: number, extra: number): Uint16Array {
  const frames = Math.floor(pcm.length / FRAME_SAMPLES) + extra;
  const fp = new SubFingerprinter();
  const buf = new Float64Array(FRAME_SAMPLES);
  const out = new Uint16Array(frames);
  for (let f = 0; f < frames; f++) {
    for (let i = 0; i < FRAME_SAMPLES; i++) buf[i] = pcm[(offset + f * FRAME_SAMPLES + i) % pcm.length]!;
    out[f] = fp.push(buf);
  }
  return out;
}

function loudMask(pcm: Int16Array, frames: number): Uint8Array {
  const levels = new Float64Array(frames);
  let peak = -100;
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      const x = pcm[(f * FRAME_SAMPLES + i) % pcm.length]!;
      sum += x * x;
    }
    levels[f] = levelDb(sum / FRAME_SAMPLES);
    if (levels[f]! > peak) peak = levels[f]!;
  }
  // The first frame's print is a dummy (no previous frame), so it is never scored.
  return Uint8Array.from(levels, (l, f) => (f > 0 && l > -55 && l > peak - 30 ? 1 : 0));
}

export function buildFingerprintDb(entries: readonly AnnouncementEntry[]): FingerprintDb {
  const meta = entries.map((e) => ({
    id: e.id,
    class: e.class,
    frames: Math.floor(e.pcm.length / FRAME_SAMPLES),
  }));
  // Wrap by one window so a query spanning the loop point still lines up.
  const extra = WINDOW + 2;
  const prints = entries.map((e) =>
    Array.from({ length: PHASES }, (_, p) => fingerprintCyclic(e.pcm, p * PHASE_STEP, extra)),
  );
  const loud = entries.map((e, i) => loudMask(e.pcm, meta[i]!.frames + extra));
  return new FingerprintDb(meta, prints, loud);
}

export function loadFingerprintDb(json: string | FingerprintDbJson): FingerprintDb {
  const data: FingerprintDbJson = typeof json === "string" ? JSON.parse(json) : json;
  if (data.format !== FORMAT || data.version !== VERSION) {
    throw new Error(`not a ${FORMAT} v${VERSION} file`);
  }
  const meta = data.entries.map((e) => {
    if (!ANNOUNCEMENT_CLASSES.includes(e.class)) throw new Error(`unknown announcement class ${e.class}`);
    return { id: e.id, class: e.class, frames: e.frames };
  });
  const prints = data.entries.map((e) => e.phases.map(fromBase64));
  const loud = data.entries.map((e, i) => unpackBits(Buffer.from(e.loud, "base64"), prints[i]![0]!.length));
  return new FingerprintDb(meta, prints, loud);
}

// ---------------------------------------------------------------------------------------------
// Streaming matcher.

export interface AnnouncementMatch {
  id: string;
  class: AnnouncementClass;
  ber: number;
  /** Position in the reference loop (ms) where the current window starts. */
  offsetMs: number;
}

export class AnnouncementMatcher {
  #db: FingerprintDb;
  #opts: MatchOptions;
  #fp = new SubFingerprinter();
  #ring = new Uint16Array(WINDOW);
  #count = 0;
  #votes = new Map<number, number>();
  #streak = 0;
  #lastEntry = -1;
  #lastAlign = 0;
  #done = false;

  constructor(db: FingerprintDb, opts: Partial<MatchOptions> = {}) {
    this.#db = db;
    this.#opts = { ...DEFAULT_MATCH_OPTIONS, ...opts };
  }

  push(frame: Int16Array): AnnouncementMatch | null {
    if (this.#done || this.#db.entries.length === 0) return null;
    this.#ring[this.#count % WINDOW] = this.#fp.push(frame);
    this.#count++;
    // The first print is a dummy; need a full window of real ones.
    if (this.#count < WINDOW + 1 || this.#count % EVERY !== 0) return null;
    const match = this.#evaluate();
    if (!match) {
      this.#streak = 0;
      this.#lastEntry = -1;
      return null;
    }
    const entry = this.#db.entries.findIndex((e) => e.id === match.id);
    const inStep = entry === this.#lastEntry && Math.abs(match.align - this.#lastAlign - EVERY) <= 1;
    this.#streak = inStep ? this.#streak + 1 : 1;
    this.#lastEntry = entry;
    this.#lastAlign = match.align;
    if (this.#streak < this.#opts.confirmations) return null;
    this.#done = true;
    return { id: match.id, class: match.class, ber: match.ber, offsetMs: match.offsetMs };
  }

  /** Query sub-fingerprint i of the window (0 = oldest). */
  #q(i: number): number {
    return this.#ring[(this.#count - WINDOW + i) % WINDOW]!;
  }

  #evaluate(): (AnnouncementMatch & { align: number }) | null {
    const db = this.#db;
    const votes = this.#votes;
    votes.clear();
    for (let i = 0; i < WINDOW; i++) {
      const q = this.#q(i);
      for (let b = -1; b < 16; b++) {
        const v = b < 0 ? q : q ^ (1 << b);
        for (let k = db.indexHead[v]!; k < db.indexHead[v + 1]!; k++) {
          const align = db.indexPos[k]! - i;
          votes.set(align, (votes.get(align) ?? 0) + 1);
        }
      }
    }
    const candidates = [...votes.entries()]
      .filter(([, n]) => n >= 3)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 24);
    // Best BER per announcement class, and the reference that gave it.
    const bestByClass = new Map<AnnouncementClass, { ber: number; block: RefBlock; align: number }>();
    for (const [align, _] of candidates) {
      const scored = this.#score(align);
      if (!scored) continue;
      const cls = db.entries[scored.block.entry]!.class;
      const prev = bestByClass.get(cls);
      if (!prev || scored.ber < prev.ber) bestByClass.set(cls, { ...scored, align });
    }
    let best: { cls: AnnouncementClass; ber: number; block: RefBlock; align: number } | null = null;
    for (const [cls, s] of bestByClass) if (!best || s.ber < best.ber) best = { cls, ...s };
    if (!best || best.ber > this.#opts.maxBer) return null;
    for (const [cls, s] of bestByClass) {
      if (cls !== best.cls && s.ber < best.ber + this.#opts.classMargin) return null;
    }
    const entry = db.entries[best.block.entry]!;
    const frameInRef = best.align - best.block.start;
    const offsetMs = ((frameInRef % entry.frames) * FRAME_SAMPLES + best.block.phase * PHASE_STEP) / 8;
    return { id: entry.id, class: entry.class, ber: best.ber, offsetMs, align: best.align };
  }

  /** BER of the window against the reference at global alignment, over the reference's speech. */
  #score(align: number): { ber: number; block: RefBlock } | null {
    const db = this.#db;
    if (align < 0 || align + WINDOW > db.prints.length) return null;
    const blockIdx = db.blockOf[align]!;
    if (db.blockOf[align + WINDOW - 1] !== blockIdx) return null;
    let errors = 0;
    let loud = 0;
    for (let i = 0; i < WINDOW; i++) {
      if (!db.loud[align + i]) continue;
      loud++;
      errors += popcount16(this.#q(i) ^ db.prints[align + i]!);
    }
    if (loud < this.#opts.minLoudShare * WINDOW) return null;
    return { ber: errors / (loud * 16), block: db.blocks[blockIdx]! };
  }
}
