// ClickHouse's query result cache, for the embedded host: chDB builds its engine with the
// cache at size 0 (query_cache.max_size_in_bytes in the config is ignored), so the host keeps
// it. The settings are ClickHouse's own: a read with `use_query_cache=1` is answered from a
// result stored by an identical earlier one (same user, database, text, parameters, other
// settings and format) for `query_cache_ttl` seconds (default 60); `enable_reads_from_query_cache`
// / `enable_writes_to_query_cache` = 0 turn either side off. As in ClickHouse, entries are per
// user, the cache is transactionally inconsistent (a result may be up to ttl old), and a query
// with a non-deterministic function (now(), rand(), …) is refused unless
// `query_cache_nondeterministic_function_handling` says 'save' or 'ignore'. Identical
// queries that arrive while the first still runs wait for it instead of running again.
import { createHash } from "node:crypto";
import type { EngineResult } from "./engine.ts";
import { ClickHouseHttpError } from "./errors.ts";

export interface CacheableRequest {
  readonly user: string;
  readonly database: string | undefined;
  readonly sql: string;
  readonly format: string;
  readonly params: Readonly<Record<string, string>>;
  readonly settings: Readonly<Record<string, string>>;
}

export interface QueryCacheLimits {
  /** All stored results together (ClickHouse: query_cache.max_size_in_bytes). */
  readonly maxBytes: number;
  readonly maxEntries: number;
  /** Larger results are not stored (ClickHouse: query_cache.max_entry_size_in_bytes). */
  readonly maxEntryBytes: number;
}

const CACHE_SETTINGS = new Set([
  "use_query_cache",
  "query_cache_ttl",
  "enable_reads_from_query_cache",
  "enable_writes_to_query_cache",
  "query_cache_nondeterministic_function_handling",
  "query_cache_share_between_users",
  "query_cache_min_query_runs",
  "query_cache_min_query_duration",
  "query_cache_compress_entries",
  "query_cache_squash_partial_results",
  "query_cache_tag",
]);
const PLAIN_READ_RE = /^\s*(?:SELECT|WITH)\b/i;
// Functions whose result changes between runs (ClickHouse refuses to cache them by default).
const NONDETERMINISTIC_RE =
  /\b(?:now|now64|today|yesterday|rand|rand32|rand64|randConstant|randCanonical|generateUUIDv4|generateUUIDv7|randomString|randomPrintableASCII|currentUser|queryID|uptime|nowInBlock)\s*\(/i;

const on = (v: string | undefined, dflt: boolean) =>
  v === undefined ? dflt : v === "1" || v.toLowerCase() === "true";

interface Entry {
  readonly result: EngineResult;
  readonly expiresAt: number;
}

export class QueryResultCache {
  readonly #limits: QueryCacheLimits;
  readonly #entries = new Map<string, Entry>();
  readonly #running = new Map<string, Promise<EngineResult>>();
  #bytes = 0;
  hits = 0;
  misses = 0;

  constructor(limits: QueryCacheLimits) {
    this.#limits = limits;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Runs `run` unless the request opted in and an unexpired identical result is stored. */
  async through(
    req: CacheableRequest,
    run: () => Promise<EngineResult>,
    now = Date.now(),
  ): Promise<EngineResult> {
    const s = req.settings;
    if (!on(s.use_query_cache, false) || !PLAIN_READ_RE.test(req.sql)) return run();
    const handling = (s.query_cache_nondeterministic_function_handling ?? "throw").toLowerCase();
    if (NONDETERMINISTIC_RE.test(req.sql)) {
      if (handling === "ignore") return run();
      if (handling !== "save") {
        throw ClickHouseHttpError.of(
          "QUERY_CACHE_USED_WITH_NONDETERMINISTIC_FUNCTIONS",
          "The query result was not cached because the query contains a non-deterministic function. Use setting `query_cache_nondeterministic_function_handling = 'save'` or `= 'ignore'` to cache the query result regardless or to omit caching",
        );
      }
    }
    const key = cacheKey(req);
    if (on(s.enable_reads_from_query_cache, true)) {
      const hit = this.#entries.get(key);
      if (hit && hit.expiresAt > now) {
        this.hits++;
        return hit.result;
      }
      const running = this.#running.get(key);
      if (running) {
        this.hits++;
        return running;
      }
    }
    this.misses++;
    if (!on(s.enable_writes_to_query_cache, true)) return run();
    const ttlS = Number(s.query_cache_ttl ?? "60");
    const work = run();
    this.#running.set(key, work);
    try {
      const result = await work;
      if (Number.isFinite(ttlS) && ttlS > 0)
        this.#store(key, { result, expiresAt: Date.now() + ttlS * 1000 });
      return result;
    } finally {
      this.#running.delete(key);
    }
  }

  #store(key: string, entry: Entry): void {
    const size = entry.result.bytes.byteLength;
    if (size > this.#limits.maxEntryBytes) return;
    this.#drop(key);
    const now = Date.now();
    // Expired entries first, then the oldest, until the new one fits.
    for (const [k, e] of this.#entries) if (e.expiresAt <= now) this.#drop(k);
    for (const k of this.#entries.keys()) {
      if (this.#bytes + size <= this.#limits.maxBytes && this.#entries.size < this.#limits.maxEntries) break;
      this.#drop(k);
    }
    this.#entries.set(key, entry);
    this.#bytes += size;
  }

  #drop(key: string): void {
    const e = this.#entries.get(key);
    if (!e) return;
    this.#entries.delete(key);
    this.#bytes -= e.result.bytes.byteLength;
  }

  /** SYSTEM DROP QUERY CACHE. */
  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }
}

function sorted(o: Readonly<Record<string, string>>, skip?: Set<string>): [string, string][] {
  return Object.entries(o)
    .filter(([k]) => !skip?.has(k))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export function cacheKey(req: CacheableRequest): string {
  return createHash("sha256")
    .update(
      JSON.stringify([
        req.user,
        req.database ?? "",
        req.format,
        req.sql,
        sorted(req.params),
        sorted(req.settings, CACHE_SETTINGS),
      ]),
    )
    .digest("hex");
}
