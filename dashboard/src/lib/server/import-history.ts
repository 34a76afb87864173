// The import page's "recent imports": the org's last finished imports from ClickHouse (view
// lead_imports, one row per lead.import_completed event — so npm start's demo list and
// `npm run import` runs show up, not only this process's wizard jobs), with the first rejected
// rows (line, reason) from the full report the import engine keeps in Redis for a week.
import { leadImport } from "@cc/pacing";
import { z } from "zod";
import { clickhouse } from "./clickhouse.ts";
import { config } from "./config.ts";
import { log } from "./log.ts";
import { redis } from "./redis.ts";

const SHOWN = 20;
const FIRST_REJECTED = 5;

const Row = z.object({
  import_id: z.string(),
  campaign_id: z.string(),
  list_id: z.string(),
  format: z.string(),
  finished_ms: z.coerce.number(),
  rows_read: z.coerce.number(),
  imported: z.coerce.number(),
  rejected: z.coerce.number(),
  duplicates: z.coerce.number(),
  dnc: z.coerce.number(),
  existing_customers: z.coerce.number(),
});

const StoredReport = z.object({
  rejected: z.array(z.object({ line: z.number(), code: z.string(), reason: z.string() })).default([]),
});

export interface RecentImport {
  importId: string;
  finishedAt: string;
  source: string;
  format: string;
  campaignId: string;
  rowsRead: number;
  imported: number;
  rejected: number;
  duplicates: number;
  existingCustomers: number;
  dnc: number;
  /** Read minus every outcome: 0 unless a row went nowhere. */
  rowsLost: number;
  /** The first rejected rows of the stored report; null when the report expired. */
  firstRejected: { line: number; code: string; reason: string }[] | null;
}

/** The wizard names its uploads here (the event carries no file name); kept as long as the report. */
export const fileNameKey = (org: string, importId: string) => `cc:import:file:${org}:${importId}`;

async function lastImports(org: string): Promise<z.infer<typeof Row>[]> {
  const rs = await clickhouse().query({
    query: `SELECT import_id, campaign_id, list_id, format, toUnixTimestamp64Milli(finished_at) AS finished_ms,
                   rows_read, imported, rejected, duplicates, dnc,
                   merge_matches['existing_customer'] AS existing_customers
            FROM lead_imports WHERE org_id = {org:String}
            ORDER BY finished_at DESC LIMIT {n:UInt32}`,
    query_params: { org, n: SHOWN },
    format: "JSONEachRow",
  });
  return z.array(Row).parse(await rs.json());
}

function stamp(ms: number): string {
  return new Intl.DateTimeFormat("sv-SE", {
    timeZone: config().CC_TIMEZONE,
    dateStyle: "short",
    timeStyle: "medium",
  }).format(ms);
}

/** The org's last 20 finished imports, newest first; empty when ClickHouse cannot answer. */
export async function recentImports(org: string): Promise<RecentImport[]> {
  let rows: z.infer<typeof Row>[];
  try {
    rows = await lastImports(org);
  } catch (err) {
    log.warn({ err: (err as Error).message }, "recent imports unavailable");
    return [];
  }
  if (rows.length === 0) return [];
  const r = await redis();
  const reportKeys = rows.map((x) => leadImport.importKeys.report(org, x.import_id));
  const nameKeys = rows.map((x) => fileNameKey(org, x.import_id));
  const [reports, names] = await Promise.all([r.mGet(reportKeys), r.mGet(nameKeys)]).catch((err) => {
    log.warn({ err: (err as Error).message }, "import reports unavailable");
    return [[], []] as (string | null)[][];
  });
  return rows.map((x, i) => ({
    importId: x.import_id,
    finishedAt: stamp(x.finished_ms),
    source: names[i] ?? (x.list_id || x.import_id),
    format: x.format,
    campaignId: x.campaign_id,
    rowsRead: x.rows_read,
    imported: x.imported,
    rejected: x.rejected,
    duplicates: x.duplicates,
    existingCustomers: x.existing_customers,
    dnc: x.dnc,
    rowsLost: x.rows_read - x.imported - x.rejected - x.duplicates - x.dnc,
    firstRejected: firstRejected(reports[i] ?? null),
  }));
}

const FullReport = z.object({
  rejected: z.array(
    z.object({ line: z.number(), code: z.string(), reason: z.string(), value: z.string().optional() }),
  ),
  merges: z.array(z.object({ line: z.number(), into: z.number(), match: z.string(), phone: z.string() })),
  dncHits: z.array(z.object({ line: z.number(), list: z.string(), phone: z.string() })),
});

/** The rows an import did not take, from its report in Redis (any process's import); null once expired. */
export async function storedReport(
  org: string,
  importId: string,
): Promise<z.infer<typeof FullReport> | null> {
  if (!/^[A-Za-z0-9_-]{1,80}$/.test(importId)) return null;
  const raw = await (await redis()).get(leadImport.importKeys.report(org, importId));
  if (!raw) return null;
  const parsed = FullReport.safeParse(JSON.parse(raw));
  return parsed.success ? parsed.data : null;
}

function firstRejected(raw: string | null): RecentImport["firstRejected"] {
  if (!raw) return null;
  const parsed = StoredReport.safeParse(JSON.parse(raw));
  return parsed.success ? parsed.data.rejected.slice(0, FIRST_REJECTED) : null;
}
