// The org's number lists as data: 谢绝来电 (do-not-call: registry exports and opt-outs) and
// 黑名单 (the org's own blacklist), each a Redis set of E.164 numbers shared by every service —
// pacing closes listed leads as it takes them, media refuses them once more right before the
// INVITE (and the inbound desk refuses blacklisted callers). Audit facts (dnc.added/removed/
// imported) go to ClickHouse through the caller, who knows the user.
import type { Readable } from "node:stream";
import type { createClient } from "redis";
import { normalisePhone } from "../compliance/dnc.ts";

type Redis = ReturnType<typeof createClient>;

export type NumberList = "dnc" | "blacklist";

export const numberListKey = (org: string, list: NumberList) => `cc:${list}:${org}`;

/**
 * A dialable number in E.164, or null. National registry exports write mainland numbers without
 * +86, sometimes with full-width digits (１３８…), spaces or dashes; a 0086 prefix is an
 * international prefix.
 */
export function listNumber(raw: string): string | null {
  let s = raw.normalize("NFKC").replace(/[\s\-().]/g, "");
  if (s.startsWith("00")) s = `+${s.slice(2)}`;
  if (!/^\+?\d{5,16}$/.test(s)) return null;
  // Mainland mobiles (most of a registry export): the E.164 form directly, no parser needed.
  if (/^1[3-9]\d{9}$/.test(s)) return `+86${s}`;
  if (/^\+861[3-9]\d{9}$/.test(s)) return s;
  return normalisePhone(s, "CN");
}

export class NumberListStore {
  readonly #redis: Redis;
  readonly #key: string;

  constructor(redis: Redis, orgId: string, list: NumberList = "dnc") {
    this.#redis = redis;
    this.#key = numberListKey(orgId, list);
  }

  /** Adds numbers (already normalised or not); returns how many were new. */
  async add(...phones: string[]): Promise<number> {
    const norm = phones.map((p) => listNumber(p) ?? p);
    return norm.length ? await this.#redis.sAdd(this.#key, norm) : 0;
  }

  /** Removes a number; true when it was listed. */
  async remove(phone: string): Promise<boolean> {
    return (await this.#redis.sRem(this.#key, listNumber(phone) ?? phone)) === 1;
  }

  async has(phone: string): Promise<boolean> {
    return (await this.#redis.sIsMember(this.#key, listNumber(phone) ?? phone)) === 1;
  }

  async size(): Promise<number> {
    return await this.#redis.sCard(this.#key);
  }

  /**
   * One page of the list, optionally only numbers containing `digits`, resumed from `cursor`
   * ("0" = from the start; the returned cursor is "0" at the end). SSCAN pages: order is Redis's.
   */
  async page(o: {
    cursor?: string;
    digits?: string;
    size?: number;
  }): Promise<{ numbers: string[]; cursor: string }> {
    const size = o.size ?? 50;
    const match = o.digits ? `*${o.digits.replace(/[^\d+]/g, "")}*` : "*";
    const numbers = new Set<string>();
    let cursor = o.cursor ?? "0";
    // A filtered scan may return few or none per call: keep scanning until the page is full.
    for (let rounds = 0; rounds < 1000; rounds++) {
      const r = await this.#redis.sScan(this.#key, cursor, { MATCH: match, COUNT: Math.max(size, 200) });
      for (const m of r.members) numbers.add(m);
      cursor = String(r.cursor);
      if (cursor === "0" || numbers.size >= size) break;
    }
    return { numbers: [...numbers].sort(), cursor };
  }
}

export interface ImportReport {
  lines: number;
  added: number;
  alreadyListed: number;
  rejected: number;
  /** The first rejected lines with their number and reason (all are counted). */
  rejections: { line: number; text: string; reason: string }[];
}

/** First cell of a CSV/TSV line that is a number (quotes stripped), else the whole line. */
function candidates(line: string): string[] {
  return line.split(/[,;\t]/).map((c) => c.trim().replace(/^"|"$/g, "").trim());
}

/**
 * Streams a registry export (one number per line, or CSV with a phone column) into a list in
 * batches: every line is counted as added, already listed or rejected (with its line number);
 * memory stays flat in the file's size. A header line is reported as rejected ("header").
 */
export async function importNumbers(
  store: NumberListStore,
  input: Readable | AsyncIterable<string>,
  o: { batch?: number; keepRejections?: number; onProgress?: (r: ImportReport) => void } = {},
): Promise<ImportReport> {
  const report: ImportReport = { lines: 0, added: 0, alreadyListed: 0, rejected: 0, rejections: [] };
  const batchSize = o.batch ?? 1000;
  const keep = o.keepRejections ?? 200;
  let batch = new Set<string>();
  let inBatch = 0;
  const flush = async () => {
    if (inBatch === 0) return;
    const added = await store.add(...batch);
    report.added += added;
    report.alreadyListed += inBatch - added;
    batch = new Set();
    inBatch = 0;
    o.onProgress?.(report);
  };
  for await (const raw of linesOf(input)) {
    report.lines++;
    const text = raw.replace(/^\uFEFF/, "").trim();
    if (text === "") {
      reject(report, keep, report.lines, raw, "empty line");
      continue;
    }
    const phone = candidates(text)
      .map(listNumber)
      .find((p) => p !== null);
    if (!phone) {
      const header = report.lines === 1 && !/\d{5}/.test(text);
      reject(report, keep, report.lines, text, header ? "header" : "not a phone number");
      continue;
    }
    // The same number twice in one batch counts as already listed, like SADD would.
    batch.add(phone);
    inBatch++;
    if (inBatch >= batchSize) await flush();
  }
  await flush();
  return report;
}

/**
 * Lines of a text stream (UTF-8 chunks or strings; \n or \r\n), one chunk in memory at a time.
 * (node:readline's async iterator throws ERR_USE_AFTER_CLOSE when the loop body awaits while the
 * input ends, which every batch flush does.)
 */
async function* linesOf(input: AsyncIterable<string | Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder("utf-8");
  let rest = "";
  for await (const chunk of input) {
    const parts = (
      rest + (typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true }))
    ).split("\n");
    rest = parts.pop() ?? "";
    for (const line of parts) yield line.endsWith("\r") ? line.slice(0, -1) : line;
  }
  rest += decoder.decode();
  if (rest !== "") yield rest.endsWith("\r") ? rest.slice(0, -1) : rest;
}

function reject(r: ImportReport, keep: number, line: number, text: string, reason: string): void {
  r.rejected++;
  if (r.rejections.length < keep) r.rejections.push({ line, text: text.slice(0, 200), reason });
}

/** The lookup the dial paths use: listed on either list, and which. */
export async function listedOn(redis: Redis, orgId: string, phone: string): Promise<NumberList | null> {
  const [dnc, black] = await Promise.all([
    redis.sIsMember(numberListKey(orgId, "dnc"), phone),
    redis.sIsMember(numberListKey(orgId, "blacklist"), phone),
  ]);
  if (dnc === 1) return "dnc";
  if (black === 1) return "blacklist";
  return null;
}

/** The org's DNC list, and the dial gate's lookup of both lists (DNC first, then blacklist). */
export class DncStore extends NumberListStore {
  readonly #redis: Redis;
  readonly #org: string;

  constructor(redis: Redis, orgId: string) {
    super(redis, orgId, "dnc");
    this.#redis = redis;
    this.#org = orgId;
  }

  async listed(phone: string): Promise<NumberList | null> {
    return await listedOn(this.#redis, this.#org, listNumber(phone) ?? phone);
  }
}
