import type { ClickHouseClient } from "@clickhouse/client";
import { z } from "zod";
import { Count } from "./query.ts";

/**
 * The funnel precompute (migration 170, report_funnel_leads): one row per lead with its
 * first/last dial, last step, first-dial campaign and `min_span[k]`, the shortest window in
 * which windowFunnel (default mode, talk ≥ FAST_TALK_S) reaches step k over the lead's whole
 * history. windowFunnel's level only grows with its window, so level(W) = #{k : min_span[k] ≤ W}.
 */
export const FAST_TALK_S = 60;

// The steps a row satisfies, as windowFunnel's condition indexes 1–8 (same conditions as
// funnelSql with talk ≥ 60 s and no `to` bound: interior leads have every dial before `to`).
const STEP_INDEXES = `arrayFilter(i -> [
    kind = 'call.attempt_created', kind = 'call.answered', kind = 'call.answered' AND detection = 'human',
    kind = 'call.ended' AND talk_s >= ${FAST_TALK_S}, kind = 'call.disposition' AND disposition IN ('A', 'B'),
    kind = 'call.disposition' AND disposition = 'A', kind = 'order.created', kind = 'payment.received'][i],
  range(1, 9))`;

/**
 * windowFunnel's default-mode walk over (ts, step) sorted by time then step, keeping per step
 * the latest chain start that reached it (latest start = shortest span) and the shortest span
 * seen: the minimal window for step k is min over step-k events of ts − latest start of k−1.
 */
const MIN_SPAN = `arrayFold((acc, e) -> if(e.2 = 1,
    (arrayMap((l, j) -> if(j = 1, e.1, l), acc.1, range(1, 9)), arrayMap((m, j) -> if(j = 1, 0, m), acc.2, range(1, 9))),
    if(acc.1[e.2 - 1] < 0, acc,
      (arrayMap((l, j) -> if(j = e.2, acc.1[e.2 - 1], l), acc.1, range(1, 9)),
       arrayMap((m, j) -> if(j = e.2, least(m, e.1 - acc.1[e.2 - 1]), m), acc.2, range(1, 9))))),
  arraySort(arrayFlatten(groupArray(arrayMap(i -> (toUnixTimestamp64Milli(ts), i), ${STEP_INDEXES})))),
  (arrayWithConstant(8, toInt64(-1)), arrayWithConstant(8, toInt64(9223372036854775807)))).2`;

function recomputeSql(onlyNew: boolean): string {
  return `
INSERT INTO report_funnel_leads
SELECT org_id, lead_hash,
  minIf(ts, kind = 'call.attempt_created'), maxIf(ts, kind = 'call.attempt_created'), max(ts),
  argMinIf(campaign_id, ts, kind = 'call.attempt_created'), ${MIN_SPAN}, {through:UInt64}
FROM report_lead_steps
WHERE kind != 'lead.created' AND lead_hash % {slices:UInt64} = {slice:UInt64}
  ${onlyNew ? "AND (org_id, lead_hash) IN (SELECT org_id, lead_hash FROM report_lead_steps WHERE _block_number > {since:UInt64})" : ""}
GROUP BY org_id, lead_hash`;
}

const Block = z.object({ b: Count });

async function one(client: ClickHouseClient, query: string): Promise<number> {
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
  const since = await one(writer, "SELECT max(through_block) AS b FROM report_funnel_refreshes");
  if (through <= since) return { throughBlock: since, sinceBlock: since };
  for (let slice = 0; slice < slices; slice++) {
    await writer.command({
      query: recomputeSql(since > 0),
      query_params: { through, since, slice, slices },
    });
  }
  await writer.command({
    query: "INSERT INTO report_funnel_refreshes SELECT {through:UInt64}, now64(3)",
    query_params: { through },
  });
  return { throughBlock: through, sinceBlock: since };
}

/** Leads with steps stored after the last refresh: their precomputed row may be incomplete. */
export const STALE_LEADS = `(SELECT lead_hash FROM report_lead_steps
    WHERE org_id = {scope_org:String}
      AND _block_number > (SELECT max(through_block) FROM report_funnel_refreshes))`;

/** A lead whose every step lies inside the funnel's range: its level is precomputed. */
export const INTERIOR = `first_dial >= {from:DateTime64(3, 'UTC')} AND last_dial < {to:DateTime64(3, 'UTC')}
      AND last_event < {to:DateTime64(3, 'UTC')} + toIntervalMillisecond({window_ms:UInt64})`;

/** Leads dialed around the range but not interior: windowFunnel over their steps, as before. */
export const BOUNDARY_LEADS = `(SELECT lead_hash FROM report_funnel_leads FINAL
    WHERE org_id = {scope_org:String}
      AND last_dial >= {from:DateTime64(3, 'UTC')} AND first_dial < {to:DateTime64(3, 'UTC')}
      AND NOT (${INTERIOR}))`;
