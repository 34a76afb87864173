// In-process fuzzy index over customer names and companies: character bigram → posting list of
// document numbers (Int32Array, grown by doubling), scored by the share of the query's bigrams
// found. Why in process and not Redis: Debian's redis 7.0 has no RediSearch, and Redis sets of
// bigrams cost ~60–80 bytes per entry (≈ 0.8 GB for 1M customers × 11 bigrams) and a scoring
// pass per query over large sets; here the same postings are 4 bytes each (≈ 50 MB) and a query
// is a few postings scans. The index is rebuilt from Redis at start and follows the per-org
// change stream (see follow.ts), so every process that searches keeps its own copy.
import { bigrams } from "./bigrams.ts";

class Postings {
  ids = new Int32Array(4);
  n = 0;
  push(doc: number): void {
    if (this.n === this.ids.length) {
      const next = new Int32Array(this.ids.length * 2);
      next.set(this.ids);
      this.ids = next;
    }
    this.ids[this.n++] = doc;
  }
}

export interface IndexHit {
  id: string;
  score: number;
}

export class CustomerSearchIndex {
  readonly #postings = new Map<string, Postings>();
  #ids: string[] = [];
  #sizes = new Uint16Array(1024);
  #live = new Uint8Array(1024);
  readonly #docOf = new Map<string, number>();
  /** Scratch score counters, one per document, reset after each query. */
  #scores = new Uint16Array(1024);
  /** Bigrams this common are only scored, never used to gather candidates (e.g. 公司, 有限). */
  readonly commonShare: number;

  constructor(o: { commonShare?: number } = {}) {
    this.commonShare = o.commonShare ?? 0.02;
  }

  get size(): number {
    return this.#docOf.size;
  }

  #grow(n: number): void {
    if (n <= this.#sizes.length) return;
    let len = this.#sizes.length;
    while (len < n) len *= 2;
    const sizes = new Uint16Array(len);
    sizes.set(this.#sizes);
    this.#sizes = sizes;
    const live = new Uint8Array(len);
    live.set(this.#live);
    this.#live = live;
    this.#scores = new Uint16Array(len);
  }

  /** Adds or replaces a customer's text (an old version stays as a dead document). */
  upsert(id: string, name: string, company: string): void {
    const old = this.#docOf.get(id);
    if (old !== undefined) this.#live[old] = 0;
    const doc = this.#ids.length;
    this.#grow(doc + 1);
    this.#ids.push(id);
    const grams = new Set([...bigrams(name), ...bigrams(company)]);
    for (const g of grams) {
      let p = this.#postings.get(g);
      if (!p) {
        p = new Postings();
        this.#postings.set(g, p);
      }
      p.push(doc);
    }
    this.#sizes[doc] = Math.min(grams.size, 65_535);
    this.#live[doc] = 1;
    this.#docOf.set(id, doc);
  }

  remove(id: string): void {
    const doc = this.#docOf.get(id);
    if (doc === undefined) return;
    this.#live[doc] = 0;
    this.#docOf.delete(id);
  }

  /**
   * Best matches first: the share of the query's bigrams a customer has (its score), ties broken
   * by the Dice coefficient (2·shared / (query + document bigrams)) so the closest text wins.
   */
  search(text: string, limit = 20, minScore = 0.5): IndexHit[] {
    const q = [...new Set(bigrams(text))];
    if (q.length === 0) return [];
    const lists = q.map((g) => this.#postings.get(g)).filter((p): p is Postings => p !== undefined);
    if (lists.length === 0) return [];
    const cap = Math.max(1_000, Math.floor(this.#ids.length * this.commonShare));
    let gather = lists.filter((p) => p.n <= cap);
    if (gather.length === 0) gather = [lists.reduce((a, b) => (a.n <= b.n ? a : b))];
    const scores = this.#scores;
    const touched: number[] = [];
    for (const p of gather) {
      for (let i = 0; i < p.n; i++) {
        const d = p.ids[i] as number;
        if (scores[d] === 0) touched.push(d);
        scores[d] = (scores[d] as number) + 1;
      }
    }
    // Common bigrams only add to candidates already gathered (binary search in their postings).
    for (const p of lists) {
      if (gather.includes(p)) continue;
      for (const d of touched) if (contains(p, d)) scores[d] = (scores[d] as number) + 1;
    }
    const hits: { doc: number; score: number; dice: number }[] = [];
    for (const d of touched) {
      const shared = scores[d] as number;
      scores[d] = 0;
      if (!this.#live[d]) continue;
      const score = shared / q.length;
      if (score >= minScore)
        hits.push({ doc: d, score, dice: (2 * shared) / (q.length + (this.#sizes[d] as number)) });
    }
    hits.sort((a, b) => b.score - a.score || b.dice - a.dice || a.doc - b.doc);
    return hits.slice(0, limit).map((h) => ({ id: this.#ids[h.doc] as string, score: Math.min(1, h.score) }));
  }
}

/** Postings are appended in document order, so they are sorted: binary search. */
function contains(p: Postings, doc: number): boolean {
  let lo = 0;
  let hi = p.n - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = p.ids[mid] as number;
    if (v === doc) return true;
    if (v < doc) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}
