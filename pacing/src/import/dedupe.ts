// De-duplication within one import. Phone numbers are exact: E.164 digits fit a double exactly
// (≤ 15 digits < 2^53), so the set is an open-addressing table over a Float64Array with the first
// row number beside it — ~24 bytes per distinct number instead of a Map of row objects. Name +
// company and name + address are fuzzy (Levenshtein similarity after cleaning) within a bounded
// index, because vendors write the same contact as "王伟 / 华为技术有限公司" and "王 伟 / 华为技术".
import { distance } from "fastest-levenshtein";
import { companyCore, comparable } from "./clean.ts";

export class PhoneSet {
  #keys: Float64Array;
  #lines: Uint32Array;
  #size = 0;

  constructor(capacity = 1 << 16) {
    this.#keys = new Float64Array(capacity);
    this.#lines = new Uint32Array(capacity);
  }

  get size(): number {
    return this.#size;
  }

  /** The row that first had this number, or 0 after recording `line` as its first row. */
  firstOrAdd(e164: string, line: number): number {
    const key = Number(e164.slice(1));
    const mask = this.#keys.length - 1;
    for (let i = slot(key) & mask; ; i = (i + 1) & mask) {
      const k = this.#keys[i]!;
      if (k === key) return this.#lines[i]!;
      if (k === 0) {
        this.#keys[i] = key;
        this.#lines[i] = line;
        if (++this.#size * 2 > this.#keys.length) this.#grow();
        return 0;
      }
    }
  }

  #grow(): void {
    const [keys, lines] = [this.#keys, this.#lines];
    this.#keys = new Float64Array(keys.length * 2);
    this.#lines = new Uint32Array(keys.length * 2);
    const mask = this.#keys.length - 1;
    for (let j = 0; j < keys.length; j++) {
      const key = keys[j]!;
      if (key === 0) continue;
      let i = slot(key) & mask;
      while (this.#keys[i] !== 0) i = (i + 1) & mask;
      this.#keys[i] = key;
      this.#lines[i] = lines[j]!;
    }
  }
}

function slot(key: number): number {
  const lo = key % 0x100000000;
  const hi = Math.floor(key / 0x100000000);
  return Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b) >>> 0;
}

export interface FuzzyMatch {
  line: number;
  match: "name_company" | "name_address";
  similarity: number;
}

interface Contact {
  company: string;
  address: string;
  line: number;
}

/** Above this, two companies (without legal form) or two addresses are the same. */
export const FUZZY_THRESHOLD = 0.85;

export function similarity(a: string, b: string): number {
  if (a === b) return 1;
  const max = Math.max(a.length, b.length);
  return max === 0 ? 1 : 1 - distance(a, b) / max;
}

/**
 * Contacts seen so far, blocked by their exact cleaned name (fuzzy matching only compares rows
 * with the same name). Bounded: when full, matching goes on against what it holds and new
 * contacts are not indexed (the report says so) — memory stays flat whatever the file size.
 */
export class ContactIndex {
  readonly #byName = new Map<string, Contact[]>();
  readonly #max: number;
  #held = 0;
  full = false;

  constructor(maxContacts = 200_000) {
    this.#max = maxContacts;
  }

  /** An earlier row with the same name and a similar company or address; else indexes this row. */
  matchOrAdd(name: string, company: string, address: string, line: number): FuzzyMatch | null {
    const n = comparable(name);
    if (n.length < 2) return null;
    const c = companyCore(company);
    const a = comparable(address);
    if (!c && !a) return null;
    const same = this.#byName.get(n);
    for (const k of same ?? []) {
      if (c && k.company) {
        const s = similarity(c, k.company);
        if (s >= FUZZY_THRESHOLD) return { line: k.line, match: "name_company", similarity: round(s) };
      } else if (a && k.address) {
        const s = similarity(a, k.address);
        if (s >= FUZZY_THRESHOLD) return { line: k.line, match: "name_address", similarity: round(s) };
      }
    }
    if (this.#held >= this.#max) {
      this.full = true;
      return null;
    }
    const contact = { company: c, address: a, line };
    if (same) same.push(contact);
    else this.#byName.set(n, [contact]);
    this.#held++;
    return null;
  }
}

const round = (x: number) => Math.round(x * 1000) / 1000;
