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
  /** Hash of the cleaned name (the block already shares it; this tells namesakes in a block apart). */
  name: number;
  /** Company without legal form, or the address when there is no company. */
  text: string;
  byCompany: boolean;
  line: number;
}

/**
 * A copy that does not share memory with the parsed chunk: V8 cuts cells out of papaparse's chunk
 * as slices, and keeping one slice keeps its whole chunk (the file, chunk by chunk) alive.
 */
export function detached(s: string): string {
  return s.length < 13 ? s : ` ${s}`.slice(1);
}

/** Above this, two companies (without legal form) or two addresses are the same. */
export const FUZZY_THRESHOLD = 0.85;

export function similarity(a: string, b: string): number {
  if (a === b) return 1;
  const max = Math.max(a.length, b.length);
  return max === 0 ? 1 : 1 - distance(a, b) / max;
}

/**
 * Contacts seen so far, in blocks of the same cleaned name and the same first or last two
 * characters of the company (without legal form) — or of the address when there is no company —
 * so a row is compared with a handful of namesakes, not all 王伟 of the list. Blocks are keyed by
 * a 32-bit hash (no key strings kept). Bounded: when full, matching goes on against what it holds
 * and new contacts are not indexed (the report says so), so memory stays flat in file size.
 */
export class ContactIndex {
  readonly #blocks = new Map<number, Contact[]>();
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
    const a = c ? "" : comparable(address);
    const by = c ? "c" : "a";
    const v = c || a;
    if (!v) return null;
    const nameHash = hash(n);
    const keys = [hash(`${n}|${by}${v.slice(0, 2)}`), hash(`${n}|${by}${v.slice(-2)}`)];
    for (const key of keys) {
      for (const k of this.#blocks.get(key) ?? []) {
        if (k.name !== nameHash || k.byCompany !== !!c) continue;
        const s = similarity(v, k.text);
        if (s >= FUZZY_THRESHOLD)
          return { line: k.line, match: c ? "name_company" : "name_address", similarity: round(s) };
      }
    }
    if (this.#held >= this.#max) {
      this.full = true;
      return null;
    }
    const contact: Contact = { name: nameHash, text: detached(v), byCompany: !!c, line };
    for (const key of keys[0] === keys[1] ? [keys[0]!] : keys) {
      const block = this.#blocks.get(key);
      if (block) block.push(contact);
      else this.#blocks.set(key, [contact]);
    }
    this.#held++;
    return null;
  }
}

/** FNV-1a over UTF-16 code units. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const round = (x: number) => Math.round(x * 1000) / 1000;
