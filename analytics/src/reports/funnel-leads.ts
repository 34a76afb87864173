import type { ClickHouseClient } from "@clickhouse/client";
import { z } from "zod";
import { Count, type ReportClient, storedAfter } from "./query.ts";

/**
 * The funnel precompute (migration 170, report_funnel_leads): one row per lead with its dials
 * and, per dial, the shortest span to each step a chain starting there reaches (windowFunnel's
 * default mode, talk ≥ FAST_TALK_S). windowFunnel reaches step k iff a chain from a dial in
 * [from, to) does within the window, so level = max over those dials of #{spans ≤ W}.
 */
export const FAST_TALK_S = 60;

// The steps a row satisfies, as windowFunnel's condition indexes 1–8 (same conditions as
// funnelSql with talk ≥ 60 s; the `to` bound on dials is applied per dial at query time).
const STEP_INDEXES = `arrayFilter(i -> [
    kind = 'call.attempt_created', kind = 'call.answered', kind = 'call.answered' AND detection = 'human',
    kind = 'call.ended' AND talk_s >= ${FAST_TALK_S}, kind = 'call.disposition' AND disposition IN ('A', 'B'),
    kind = 'call.disposition' AND disposition = 'A', kind = 'order.created', kind = 'payment.received'][i],
  range(1, 9))`;

/**
 * Per dial (a step-1 entry in the (ts, step)-sorted list), the spans to each step a chain
 * starting there reaches, taking the earliest next step each time (best for a fixed start).
 */
const DIAL_SPANS = `arrayMap(p -> arrayFold((acc, e) -> if(e.2 = acc.1 + 1,
      (toUInt8(acc.1 + 1), arrayPushBack(acc.2, e.1 - steps[p].1)), acc),
    arraySlice(steps, p + 1), (toUInt8(1), [toInt64(0)])).2,
  arrayFilter(p -> steps[p].2 = 1, arrayEnumerate(steps)))`;

function recomputeSql(onlyNew: boolean): string {
  return `
INSERT INTO report_funnel_leads
SELECT org_id, lead_hash, first_dial, last_dial, arrayMap(d -> d.1, dials), arrayMap(d -> d.2, dials),
  ${DIAL_SPANS}, {through:UInt64}
FROM (
  SELECT org_id, lead_hash,
    minIf(ts, kind = 'call.attempt_created') AS first_dial, maxIf(ts, kind = 'call.attempt_created') AS last_dial,
    arraySort(arrayFlatten(groupArray(arrayMap(i -> (toUnixTimestamp64Milli(ts), i), ${STEP_INDEXES})))) AS steps,
    arraySort(d -> d.1, groupArrayIf((toUnixTimestamp64Milli(ts), toString(campaign_id)), kind = 'call.attempt_created')) AS dials
  FROM report_lead_steps
  WHERE kind != 'lead.created' AND lead_hash % {slices:UInt64} = {slice:UInt64}
    ${onlyNew ? `AND (org_id, lead_hash) IN (SELECT org_id, lead_hash FROM report_lead_steps WHERE ${storedAfter("{since:UInt64}")})` : ""}
  GROUP BY org_id, lead_hash
)`;
}

const Block = z.object({ b: Count });

async function one(client: ReportClient, query: string): Promise<number> {
  const rs = await client.query({ query, format: "JSONEachRow" });
  const rows = z.array(Block).parse(await rs.json());
  return rows[0]?.b ?? 0;
}

export interface FunnelRefresh {
  throughBlock: number;
  sinceBlock: number;
}

/**
 * Recomputes report_funnel_leads for every lead with steps stored since the last refresh,
 * then records the block it is complete through. Safe to run any time, also concurrently:
 * rows stored during a refresh carry a later block, so the funnel treats their leads as stale
 * (exact windowFunnel) until the next refresh. `slices` bounds memory on big histories.
 */
export async function refreshFunnelLeads(writer: ClickHouseClient, slices = 1): Promise<FunnelRefresh> {
  const through = await one(
    writer,
    `SELECT max(max_block_number) AS b FROM system.parts
     WHERE database = currentDatabase() AND table = 'report_lead_steps' AND active`,
  );
  // The oldest org watermark: every lead with rows after it is recomputed (orgs already
  // further along only get rows that are recomputed from their whole history again).
  const since = await one(
    writer,
    "SELECT min(b) AS b FROM (SELECT max(through_block) AS b FROM report_funnel_refreshes GROUP BY org_id)",
  );
  if (through <= since) return { throughBlock: since, sinceBlock: since };
  for (let slice = 0; slice < slices; slice++) {
    await writer.command({
      query: recomputeSql(since > 0),
      query_params: { through, since, slice, slices },
    });
  }
  // Every org with rows in the store is now complete through `through`.
  await writer.command({
    query: `INSERT INTO report_funnel_refreshes
      SELECT DISTINCT org_id, {through:UInt64}, now64(3) FROM report_lead_steps WHERE _block_number <= {through:UInt64}`,
    query_params: { through },
  });
  return { throughBlock: through, sinceBlock: since };
}

/** Whether a refresh ever completed for the org (the precompute is worth reading). */
export async function funnelLeadsRefreshed(client: ReportClient, orgId: string): Promise<boolean> {
  const rs = await client.query({
    query: "SELECT count() AS b FROM report_funnel_refreshes WHERE org_id = {org:String}",
    query_params: { org: orgId },
    format: "JSONEachRow",
  });
  return (z.array(Block).parse(await rs.json())[0]?.b ?? 0) > 0;
}

/** Leads with steps stored after the last refresh: their precomputed row may be incomplete. */
export const STALE_LEADS = `(SELECT lead_hash FROM report_lead_steps
    WHERE org_id = {scope_org:String}
      AND ${storedAfter("(SELECT max(through_block) FROM report_funnel_refreshes WHERE org_id = {scope_org:String})")})`;

const IN_RANGE = `d >= toUnixTimestamp64Milli({from:DateTime64(3, 'UTC')})
      AND d < toUnixTimestamp64Milli({to:DateTime64(3, 'UTC')})`;

/** Per fresh lead dialed in [from, to): its level, and `entry` = index of its first dial in range. */
export const PRECOMPUTED_LEVELS = `
    SELECT *, arrayFirstIndex(d -> ${IN_RANGE}, dial_ts) AS entry,
      fromUnixTimestamp64Milli(dial_ts[entry], 'UTC') AS entered_at,
      dial_campaign[entry] AS entry_campaign,
      arrayMax(arrayMap((d, sp) -> if(${IN_RANGE}, arrayCount(m -> m <= {window_ms:UInt64}, sp), 0),
        dial_ts, dial_spans)) AS level
    FROM report_funnel_leads FINAL
    WHERE org_id = {scope_org:String}
      AND last_dial >= {from:DateTime64(3, 'UTC')} AND first_dial < {to:DateTime64(3, 'UTC')}
      AND lead_hash NOT IN ${STALE_LEADS}`;
