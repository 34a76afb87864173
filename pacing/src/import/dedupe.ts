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
 *
 * Stored in typed arrays, not objects: per contact its name hash, row and kind (its text in an
 * array of strings), per block a linked list of entries in insertion order, and an open-addressing
 * table from block key to list. A Map of arrays of objects cost ~500 bytes per contact (100 MB of
 * live heap at the 200k bound, walked by every full GC); this is ~100 bytes, most outside V8's heap.
 */
export class ContactIndex {
  readonly #max: number;
  #held = 0;
  full = false;
  // per contact
  #name = new Uint32Array(INITIAL);
  #line = new Uint32Array(INITIAL);
  #byCompany = new Uint8Array(INITIAL);
  /** Texts stay strings (leaves to the GC, ~40 B each): decoding them per comparison cost more. */
  #texts: string[] = [];
  // per block entry (a contact is in one or two blocks): the contact and the next entry + 1
  #entryContact = new Uint32Array(INITIAL * 2);
  #entryNext = new Uint32Array(INITIAL * 2);
  #entries = 0;
  // block key → first and last entry + 1 (0: empty slot)
  #keys = new Uint32Array(INITIAL * 4);
  #heads = new Uint32Array(INITIAL * 4);
  #tails = new Uint32Array(INITIAL * 4);
  #blocks = 0;

  constructor(maxContacts = 200_000) {
    this.#max = maxContacts;
  }

  /** An earlier row with the same name and a similar company or address; else indexes this row. */
  matchOrAdd(name: string, company: string, address: string, line: number): FuzzyMatch | null {
    const n = comparable(name);
    if (n.length < 2) return null;
    const c = companyCore(company);
    const v = c || comparable(address);
    if (!v) return null;
    const by = c ? 1 : 0;
    const nameHash = fnv(FNV_SEED, n, 0, n.length);
    // The block key hashes `${n}|c${v.slice(0, 2)}` (or |a…, or the last two), built without the string.
    const prefix = fnv(fnv(nameHash, "|", 0, 1), c ? "c" : "a", 0, 1);
    const keys = [
      fnv(prefix, v, 0, Math.min(2, v.length)),
      fnv(prefix, v, Math.max(0, v.length - 2), v.length),
    ];
    for (const key of keys) {
      const slot = this.#find(key);
      if (this.#heads[slot] === 0) continue;
      for (let e = this.#heads[slot]!; e !== 0; e = this.#entryNext[e - 1]!) {
        const k = this.#entryContact[e - 1]!;
        if (this.#name[k] !== nameHash || this.#byCompany[k] !== by) continue;
        // The edit distance is at least the length difference: most namesakes end here, undecoded.
        const text = this.#texts[k]!;
        if (Math.abs(text.length - v.length) > (1 - FUZZY_THRESHOLD) * Math.max(text.length, v.length))
          continue;
        const sim = similarity(v, text);
        if (sim >= FUZZY_THRESHOLD)
          return { line: this.#line[k]!, match: c ? "name_company" : "name_address", similarity: round(sim) };
      }
    }
    if (this.#held >= this.#max) {
      this.full = true;
      return null;
    }
    const k = this.#addContact(nameHash, by, v, line);
    this.#addEntry(keys[0]!, k);
    if (keys[1] !== keys[0]) this.#addEntry(keys[1]!, k);
    return null;
  }

  #addContact(nameHash: number, by: number, v: string, line: number): number {
    const k = this.#held++;
    if (k === this.#name.length) {
      const size = k * 2;
      this.#name = grown(this.#name, size);
      this.#line = grown(this.#line, size);
      this.#byCompany = grown(this.#byCompany, size);
    }
    this.#name[k] = nameHash;
    this.#line[k] = line;
    this.#byCompany[k] = by;
    this.#texts.push(detached(v));
    return k;
  }

  #addEntry(key: number, contact: number): void {
    if (this.#entries === this.#entryContact.length) {
      this.#entryContact = grown(this.#entryContact, this.#entries * 2);
      this.#entryNext = grown(this.#entryNext, this.#entries * 2);
    }
    const e = ++this.#entries; // entries are numbered from 1: 0 ends a list
    this.#entryContact[e - 1] = contact;
    const slot = this.#find(key);
    if (this.#heads[slot] === 0) {
      this.#keys[slot] = key;
      this.#heads[slot] = e;
      if (++this.#blocks * 2 > this.#keys.length) this.#rehash();
    } else this.#entryNext[this.#tails[this.#find(key)]! - 1] = e;
    this.#tails[this.#find(key)] = e;
  }

  /** The slot of `key`, or the empty slot where it would go. */
  #find(key: number): number {
    const mask = this.#keys.length - 1;
    for (let i = Math.imul(key, 0x9e3779b1) >>> 0; ; i++) {
      const slot = i & mask;
      if (this.#heads[slot] === 0 || this.#keys[slot] === key) return slot;
    }
  }

  #rehash(): void {
    const [keys, heads, tails] = [this.#keys, this.#heads, this.#tails];
    this.#keys = new Uint32Array(keys.length * 2);
    this.#heads = new Uint32Array(keys.length * 2);
    this.#tails = new Uint32Array(keys.length * 2);
    for (let j = 0; j < keys.length; j++) {
      if (heads[j] === 0) continue;
      const slot = this.#find(keys[j]!);
      this.#keys[slot] = keys[j]!;
      this.#heads[slot] = heads[j]!;
      this.#tails[slot] = tails[j]!;
    }
  }
}

const INITIAL = 4_096;
const FNV_SEED = 0x811c9dc5;

function grown<T extends Uint32Array | Uint8Array>(a: T, size: number): T {
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}

/** FNV-1a over UTF-16 code units of s[from, to), continuing from h: hashing parts = hashing their concatenation. */
function fnv(h: number, s: string, from: number, to: number): number {
  for (let i = from; i < to; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const round = (x: number) => Math.round(x * 1000) / 1000;
