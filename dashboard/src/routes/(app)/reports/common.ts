// Shared by the report pages (browser and server): links to the SQL behind a number,
// date-range handling and number formats.
import { z } from "zod";

export interface SqlRef {
  query: string;
  params: Record<string, unknown>;
}

/** /sql?q=…&p=… opens the exact query (with its bound parameters) on the analyst page. */
export function sqlHref(sql: SqlRef): string {
  return `/sql?q=${encodeURIComponent(sql.query.trim())}&p=${encodeURIComponent(JSON.stringify(sql.params))}`;
}

/** Report days are calendar days in China Standard Time (the users' clock). */
export const TIME_ZONE = "Asia/Shanghai";
const OFFSET = "+08:00";
const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be YYYY-MM-DD");

export const RangeQuery = z.object({ from: Day.optional(), to: Day.optional() });

/**
 * Reports answer from the query result cache when the same view (scope, range, parameters)
 * was computed less than a minute ago: reopening a page or a second director with the same
 * view waits milliseconds, for figures at most 60 s old.
 */
export const REPORT_CACHE = { cacheTtlS: 60 } as const;

function ymd(ms: number): string {
  return new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);
}

/** [from 00:00, to 24:00) in CST as UTC ISO strings; default the last 7 days. */
export function resolveRange(q: { from?: string | undefined; to?: string | undefined }, now = Date.now()) {
  const to = q.to ?? ymd(now);
  const from = q.from ?? ymd(Date.parse(`${to}T00:00:00${OFFSET}`) - 6 * 86_400_000);
  const fromIso = new Date(`${from}T00:00:00${OFFSET}`).toISOString();
  const toIso = new Date(Date.parse(`${to}T00:00:00${OFFSET}`) + 86_400_000).toISOString();
  return { from, to, fromIso, toIso };
}

/** Field-level messages from a zod error, keyed by path. */
export function issuesOf(err: z.ZodError): Record<string, string> {
  return Object.fromEntries(err.issues.map((i) => [i.path.join(".") || "(query)", i.message]));
}

export const fmtInt = (n: number) => Math.round(n).toLocaleString("en-US");
export const fmtNum = (n: number, digits = 1) =>
  n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
export const fmtPct = (r: number | null) => (r === null ? "—" : `${(r * 100).toFixed(1)}%`);
/** Money is kept in minor units (fen); show yuan. */
export const fmtMoney = (minor: number | null) =>
  minor === null ? "—" : `¥${(minor / 100).toLocaleString("en-US", { maximumFractionDigits: 2 })}`;
export const fmtDuration = (s: number) => {
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h}:${String(m).padStart(2, "0")}`;
};

/** One heatmap cell (row = weekday or agent, col = hour). */
export interface Cell {
  row: number;
  col: number;
  value: number | null;
  label: string;
}
