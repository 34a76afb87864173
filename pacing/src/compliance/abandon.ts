// Rolling abandon accounting per campaign. Counts are kept in time buckets with running sums per
// window, so reading the 24 h and 30 d ratios is O(1) per decision.
import type { AbandonPeriod } from "../core/types.ts";
import type { JurisdictionProfile } from "./profiles.ts";

export interface AbandonCounts {
  /** Answers classified as a live person. */
  liveAnswers: number;
  /** Live answers not bridged to an agent (message played or caller hung up). */
  abandons: number;
  /** Answers classified as machines (the base of the AMD false-positive estimate). */
  machineAnswers: number;
  /** Attempts placed. */
  calls: number;
}

type Key = keyof AbandonCounts;
const zero = (): AbandonCounts => ({ liveAnswers: 0, abandons: 0, machineAnswers: 0, calls: 0 });

interface Bucket {
  start: number;
  c: AbandonCounts;
}

class Window {
  readonly name: string;
  readonly ms: number;
  sum = zero();
  /** Index into the ledger's buckets of the oldest bucket still inside. */
  head = 0;
  constructor(name: string, ms: number) {
    this.name = name;
    this.ms = ms;
  }
}

export class AbandonLedger {
  readonly #bucketMs: number;
  #buckets: Bucket[] = [];
  #offset = 0;
  readonly #windows: Window[];

  constructor(windows: readonly { name: string; windowS: number }[], bucketMs = 10_000) {
    this.#bucketMs = bucketMs;
    this.#windows = windows.map((w) => new Window(w.name, w.windowS * 1000));
  }

  record(kind: Key, at: number, n = 1): void {
    const start = Math.floor(at / this.#bucketMs) * this.#bucketMs;
    let last = this.#buckets[this.#buckets.length - 1];
    if (!last || last.start < start) {
      last = { start, c: zero() };
      this.#buckets.push(last);
    }
    // Late events land in the newest bucket: the window edge moves by at most one bucket.
    last.c[kind] += n;
    for (const w of this.#windows) w.sum[kind] += n;
  }

  /** Drops buckets that left each window; call before reading. */
  advance(now: number): void {
    for (const w of this.#windows) {
      while (w.head - this.#offset < this.#buckets.length) {
        const b = this.#buckets[w.head - this.#offset]!;
        if (b.start + this.#bucketMs > now - w.ms) break;
        for (const k of Object.keys(w.sum) as Key[]) w.sum[k] -= b.c[k];
        w.head++;
      }
    }
    const minHead = Math.min(...this.#windows.map((w) => w.head));
    if (minHead - this.#offset > 4096) {
      this.#buckets = this.#buckets.slice(minHead - this.#offset);
      this.#offset = minHead;
    }
  }

  counts(name: string, now: number): AbandonCounts {
    this.advance(now);
    const w = this.#windows.find((x) => x.name === name);
    if (!w) throw new RangeError(`no window named ${name}`);
    return { ...w.sum };
  }

  windows(): string[] {
    return this.#windows.map((w) => w.name);
  }
}

/** Abandons and live answers as the profile counts them (AMD false positives added by estimate). */
export function adjustedCounts(
  c: AbandonCounts,
  profile: JurisdictionProfile,
): { liveAnswers: number; abandons: number; falsePositives: number } {
  if (!profile.countAmdFalsePositives)
    return { liveAnswers: c.liveAnswers, abandons: c.abandons, falsePositives: 0 };
  const fp = c.machineAnswers * profile.amdFalsePositiveRate;
  return { liveAnswers: c.liveAnswers + fp, abandons: c.abandons + fp, falsePositives: fp };
}

export function abandonRate(c: { liveAnswers: number; abandons: number }): number {
  return c.liveAnswers > 0 ? c.abandons / c.liveAnswers : 0;
}

/**
 * VICIdial's UK option: drops are reduced by the share of answering machines among answers
 * (some drops were machines), dropsAdj = drops·(1 − AM/(agentHuman + AM)),
 * pct = dropsAdj/(agentHuman + dropsAdj). agentHuman = live answers bridged to agents.
 */
export function vicidialUkDropPercent(drops: number, agentHuman: number, answeringMachines: number): number {
  const denomAm = agentHuman + answeringMachines;
  const dropsAdj = denomAm > 0 ? drops * (1 - answeringMachines / denomAm) : drops;
  const d = agentHuman + dropsAdj;
  return d > 0 ? (dropsAdj / d) * 100 : 0;
}

/** The core's view of the periods: profile periods plus a 1-minute statistics window. */
export function periodsForCore(
  ledger: AbandonLedger,
  profile: JurisdictionProfile,
  now: number,
): AbandonPeriod[] {
  return ledger.windows().map((name) => {
    const c = ledger.counts(name, now);
    const adj = adjustedCounts(c, profile);
    const def = profile.periods.find((p) => p.name === name);
    return {
      name,
      windowS: def?.windowS ?? (name === "1m" ? 60 : 0),
      cap: profile.abandonCap,
      liveAnswers: adj.liveAnswers,
      abandons: adj.abandons,
      calls: c.calls,
      falsePositives: adj.falsePositives,
      fpPerMachine: profile.countAmdFalsePositives ? profile.amdFalsePositiveRate : 0,
    };
  });
}

/** A ledger with the profile's periods and the 1-minute window. */
export function ledgerFor(profile: JurisdictionProfile): AbandonLedger {
  return new AbandonLedger([...profile.periods, { name: "1m", windowS: 60 }]);
}
