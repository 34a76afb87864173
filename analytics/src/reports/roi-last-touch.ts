import type { ClickHouseClient } from "@clickhouse/client";
import { z } from "zod";
import { Count, type ReportClient, storedAfter } from "./query.ts";

/**
 * The last-touch ROI precompute (migration 171, report_roi_last_touch): per conversion, its
 * lead's last touch at or before it. The join query's look-back path is the lead's touches in
 * [ts − look-back, ts] sorted by (touched_at, touch id); its last element is that same touch
 * when it is young enough, and the path is empty otherwise. So last-touch attribution for any
 * range and look-back = the precomputed touch iff touched_at ≥ ts − look-back.
 */

// Leads with touches or conversions stored after the marks `since_t` / `since_c`, every org.
const CHANGED_LEADS = `(SELECT org_id, lead_hash FROM report_touches WHERE ${storedAfter("{since_t:UInt64}")}
    UNION ALL SELECT org_id, lead_hash FROM report_conversions WHERE ${storedAfter("{since_c:UInt64}")})`;

function recomputeSql(onlyChanged: boolean): string {
  const changed = onlyChanged ? `AND (org_id, lead_hash) IN ${CHANGED_LEADS}` : "";
  // A conversion whose last touch is unchanged keeps its row: only new conversions and those a
  // late touch moved are written, so few rows overlap and the report's FINAL has little to merge.
  const unchanged = onlyChanged
    ? `WHERE (event_id, last.2) NOT IN (SELECT conv_id, touch_id FROM report_roi_last_touch
        WHERE lead_hash % {slices:UInt64} = {slice:UInt64} ${changed})`
    : "";
  // Per lead its touches sorted as the join query sorts a path; per conversion the last one
  // at or before it (tuples sort by touched_at, then touch id). Written in key order, so the
  // insert's parts do not overlap each other.
  return `
INSERT INTO report_roi_last_touch
SELECT org_id, ts, event_id, lead_hash, kind, amount_minor, currency,
  last.1, last.2, last.3, last.4, last.5, {version:UInt64}
FROM (
  SELECT c.org_id AS org_id, c.ts AS ts, c.event_id AS event_id, c.lead_hash AS lead_hash, c.kind AS kind,
    c.amount_minor AS amount_minor, c.currency AS currency, arrayLast(x -> x.1 <= c.ts, t.touches) AS last
  FROM (
    SELECT org_id, lead_hash, ts, event_id, kind, amount_minor, currency
    FROM report_conversions
    WHERE lead_hash % {slices:UInt64} = {slice:UInt64} ${changed}
  ) AS c
  INNER JOIN (
    SELECT org_id, lead_hash,
      arraySort(groupArray((touched_at, event_id, channel, ad_campaign_id, ad_id))) AS touches
    FROM report_touches
    WHERE lead_hash % {slices:UInt64} = {slice:UInt64} ${changed}
    GROUP BY org_id, lead_hash
  ) AS t ON c.org_id = t.org_id AND c.lead_hash = t.lead_hash
  WHERE arrayExists(x -> x.1 <= c.ts, t.touches)
)
${unchanged}
ORDER BY org_id, ts, event_id`;
}

const Marks = z.object({ t: Count, c: Count, n: Count });
const Block = z.object({ b: Count });

async function rows<S extends z.ZodType>(
  client: ReportClient,
  schema: S,
  query: string,
  query_params: Record<string, unknown> = {},
): Promise<z.infer<S>[]> {
  const rs = await client.query({ query, query_params, format: "JSONEachRow" });
  return z.array(schema).parse(await rs.json());
}

async function maxBlock(writer: ClickHouseClient, table: "report_touches" | "report_conversions") {
  const [r] = await rows(
    writer,
    Block,
    `SELECT max(max_block_number) AS b FROM system.parts
     WHERE database = currentDatabase() AND table = {table:String} AND active`,
    { table },
  );
  return r?.b ?? 0;
}

export interface RoiRefresh {
  touchesBlock: number;
  conversionsBlock: number;
  /** Whether anything was recomputed (false: nothing stored since the last refresh). */
  recomputed: boolean;
}

/**
 * Recomputes report_roi_last_touch for every lead with touches or conversions stored since
 * the last refresh (all leads the first time), then records the blocks it is complete
 * through. Idempotent and safe to run concurrently: rows stored meanwhile carry later blocks,
 * so their leads stay stale (the join query) until the next refresh, and a row computed
 * through later blocks replaces an earlier one. `slices` bounds the join's memory.
 */
export async function refreshRoiLastTouch(writer: ClickHouseClient, slices = 1): Promise<RoiRefresh> {
  const t = await maxBlock(writer, "report_touches");
  const c = await maxBlock(writer, "report_conversions");
  // The oldest org marks: every lead with rows after them is recomputed.
  const [since] = await rows(
    writer,
    Marks,
    `SELECT min(t) AS t, min(c) AS c, count() AS n FROM (
       SELECT max(touches_block) AS t, max(conversions_block) AS c FROM report_roi_refreshes GROUP BY org_id)`,
  );
  const sinceT = since?.t ?? 0;
  const sinceC = since?.c ?? 0;
  const first = (since?.n ?? 0) === 0;
  if (!first && t <= sinceT && c <= sinceC) {
    return { touchesBlock: sinceT, conversionsBlock: sinceC, recomputed: false };
  }
  for (let slice = 0; slice < slices; slice++) {
    await writer.command({
      query: recomputeSql(!first),
      query_params: { version: t + c, since_t: sinceT, since_c: sinceC, slice, slices },
    });
  }
  // Every org with touches or conversions is now complete through (t, c).
  await writer.command({
    query: `INSERT INTO report_roi_refreshes
      SELECT org_id, {t:UInt64}, {c:UInt64}, now64(3) FROM (
        SELECT DISTINCT org_id FROM report_touches WHERE _block_number <= {t:UInt64}
        UNION DISTINCT SELECT DISTINCT org_id FROM report_conversions WHERE _block_number <= {c:UInt64})`,
    query_params: { t, c },
  });
  return { touchesBlock: t, conversionsBlock: c, recomputed: true };
}

/** Whether a refresh ever completed for the org (the precompute is worth reading). */
export async function roiLastTouchRefreshed(client: ReportClient, orgId: string): Promise<boolean> {
  const [r] = await rows(
    client,
    Block,
    "SELECT count() AS b FROM report_roi_refreshes WHERE org_id = {org:String}",
    {
      org: orgId,
    },
  );
  return (r?.b ?? 0) > 0;
}

/**
 * Leads whose precomputed rows may be out of date for this report: conversions in range or
 * touches that could be in their look-back window, stored after the org's last refresh.
 * (A touch older than from − look-back is never attributed for a conversion in range, so
 * it cannot change the report whatever it changes in the precompute.)
 */
export const ROI_STALE_LEADS = `(
    SELECT lead_hash FROM report_conversions
    WHERE org_id = {scope_org:String}
      AND ts >= {from:DateTime64(3, 'UTC')} AND ts < {to:DateTime64(3, 'UTC')}
      AND ${storedAfter("(SELECT max(conversions_block) FROM report_roi_refreshes WHERE org_id = {scope_org:String})")}
    UNION ALL
    SELECT lead_hash FROM report_touches
    WHERE org_id = {scope_org:String}
      AND touched_at >= {from:DateTime64(3, 'UTC')} - toIntervalSecond({lookback_s:UInt32})
      AND touched_at < {to:DateTime64(3, 'UTC')}
      AND ${storedAfter("(SELECT max(touches_block) FROM report_roi_refreshes WHERE org_id = {scope_org:String})")})`;
