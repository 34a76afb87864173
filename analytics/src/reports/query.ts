import type { ClickHouseClient, ClickHouseSettings } from "@clickhouse/client";
import { z } from "zod";

/** A report's SQL with its bound parameters: what ran, and what /sql re-runs for analysts. */
export interface ReportSql {
  query: string;
  params: Record<string, unknown>;
}

export interface ReportResult<Row> {
  rows: Row[];
  sql: ReportSql;
  elapsedMs: number;
}

export class ReportQueryError extends Error {
  override name = "ReportQueryError";
  readonly code: string;
  constructor(message: string, options: { cause?: unknown; code?: string } = {}) {
    super(message, { cause: options.cause });
    this.code = options.code ?? "REPORT_QUERY_FAILED";
  }
}

/** Minimal client surface the reports need, so tests and the dashboard can pass any client. */
export type ReportClient = Pick<ClickHouseClient, "query">;

/** How a caller wants a report run. */
export interface ReportRunOptions {
  /**
   * Answer from ClickHouse's query result cache when the same report (same scope and
   * parameters) ran less than this many seconds ago (use_query_cache): a director reopening
   * the funnel, or a second director with the same view, waits milliseconds instead of
   * seconds, for figures at most this old. 0 / absent: always computed.
   */
  cacheTtlS?: number;
}

/** Runs a report query (parameters bound server-side) and validates every row. */
export async function runReport<S extends z.ZodType>(
  client: ReportClient,
  sql: ReportSql,
  rowSchema: S,
  options: ReportRunOptions = {},
): Promise<ReportResult<z.infer<S>>> {
  const started = performance.now();
  let raw: unknown[];
  const ttl = Math.round(options.cacheTtlS ?? 0);
  const settings: ClickHouseSettings = ttl > 0 ? { use_query_cache: 1, query_cache_ttl: ttl } : {};
  try {
    const rs = await client.query({
      query: sql.query,
      query_params: sql.params,
      format: "JSONEachRow",
      clickhouse_settings: settings,
    });
    raw = await rs.json();
  } catch (err) {
    throw new ReportQueryError(`report query failed: ${(err as Error).message}`, {
      cause: err,
      code: "REPORT_QUERY_FAILED",
    });
  }
  const rows: z.infer<S>[] = [];
  for (const [i, r] of raw.entries()) {
    const parsed = rowSchema.safeParse(r);
    if (!parsed.success) {
      throw new ReportQueryError(`report row ${i} has an unexpected shape: ${parsed.error.message}`, {
        code: "REPORT_ROW_INVALID",
      });
    }
    rows.push(parsed.data);
  }
  return { rows, sql, elapsedMs: performance.now() - started };
}

/** 'YYYY-MM-DD hh:mm:ss.sss' (UTC), the form ClickHouse parses for DateTime64(3) params. */
export function chDateTime(iso: string | Date): string {
  const d = typeof iso === "string" ? new Date(iso) : iso;
  return d.toISOString().replace("T", " ").replace("Z", "");
}

/** Counters come back as strings for 64-bit types; accept both. */
export const Count = z.coerce.number().int().nonnegative();
/** Sums and ratios; NULL where a ratio has no denominator. */
export const Num = z.coerce.number();
export const Ratio = z.number().nullable();

/**
 * "Stored after block `mark`". A part's name ends in its min/max block and level
 * (`partition_min_max_level[_mutation]`): parts entirely at or below the mark, i.e. nearly all
 * the history, are skipped unread; rows of newer or freshly merged parts are checked one by one.
 */
export const storedAfter = (mark: string) =>
  `toUInt64(splitByChar('_', _part)[3]) > ${mark} AND _block_number > ${mark}`;
