import type { ClickHouseClient } from "@clickhouse/client";
import { z } from "zod";
import { type BoundQuery, param, sql } from "./sql.ts";

/**
 * What the live wallboard reads from ClickHouse, per org — only small aggregated tables
 * (migrations 052, 060 and 180, whose hour-sorted copy of the agents' hourly sums lets "today"
 * read today's rows only), one table read per query. A range "since T" is the
 * hourly rows (res = 3600) from ceilHour(T) on plus the fine rows (res = 10 s, 60 s for
 * agent states) of [T, ceilHour(T)): the same sums as the fine rows alone, a few hundred
 * rows a day. `campaigns` gives every per-campaign KPI (today, last 24 h, service level,
 * conversions) in one read; runWallboardQueries splits it into the row sets below.
 */
export interface WallboardWindow {
  orgId: string;
  /** Start of the reporting day (UTC instant of local midnight). */
  dayStart: Date;
  now: Date;
  /** Service-level threshold in whole seconds (answered within T). */
  serviceLevelSeconds: number;
}

const s = (d: Date) => Math.floor(d.getTime() / 1000);
/** The wallboard's call-quality warning looks at calls that ended in the last 5 minutes. */
export const QUALITY_WINDOW_S = 300;
/** The wallboard's speed-to-lead tile: real-time leads first dialed in the last 15 minutes. */
export const SPEED_TO_LEAD_WINDOW_S = 900;
const ceilHour = (t: number) => Math.ceil(t / 3600) * 3600;

export function wallboardQueries(w: WallboardWindow) {
  if (!Number.isInteger(w.serviceLevelSeconds) || w.serviceLevelSeconds < 0)
    throw new RangeError(
      `serviceLevelSeconds must be a whole number of seconds, got ${w.serviceLevelSeconds}`,
    );
  const org = param("org", "String", w.orgId);
  const day = param("day_start", "UInt32", s(w.dayStart));
  const dayHour = param("day_hour", "UInt32", ceilHour(s(w.dayStart)));
  const since24 = param("since_24h", "UInt32", s(w.now) - 86_400);
  const since24Hour = param("since_24h_hour", "UInt32", ceilHour(s(w.now) - 86_400));
  const since30m = param("since_30m", "UInt32", Math.floor((s(w.now) - 1800) / 60) * 60);
  const slS = param("sl_s", "UInt32", w.serviceLevelSeconds);
  const since5m = param("since_5m", "UInt32", s(w.now) - QUALITY_WINDOW_S);
  const poorMos = param("poor_mos", "Float64", 3.5);
  const since15m = param("since_15m", "Int64", w.now.getTime() - SPEED_TO_LEAD_WINDOW_S * 1000);
  const since24ms = param("since_24h_ms", "Int64", w.now.getTime() - 86_400_000);
  // Each range: hourly rows from its first whole hour on, fine rows before it.
  return {
    campaigns: sql`
SELECT campaign_id,
       sumIf(stats_rows, today) AS today_rows,
       sumIf(attempts, today) AS today_attempts, sumIf(answered, today) AS today_answered,
       sumIf(human_answered, today) AS today_live_answers, sumIf(abandoned, today) AS today_abandoned,
       sumIf(bridged, today) AS today_bridged, sumIf(talked, today) AS today_talked,
       sumIf(talk_s, today) AS today_talk_s, sumIf(wrap_s, today) AS today_wrap_s,
       sumIf(dispositions, today) AS today_dispositions, sumIf(conversions, today) AS today_conversions,
       sumMapIf(waits, today) AS today_waits,
       arraySum(mapValues(today_waits)) AS today_sl_bridged,
       arraySum(mapValues(mapFilter((wait_s, n) -> wait_s < ${slS}, today_waits))) AS today_sl_within,
       sumIf(stats_rows, last_24h) AS last_24h_rows,
       sumIf(human_answered, last_24h) AS last_24h_live_answers, sumIf(abandoned, last_24h) AS last_24h_abandoned
FROM
(
    SELECT *,
           (res = 3600 AND t >= toDateTime(${dayHour}, 'UTC'))
           OR (res = 10 AND t >= toDateTime(${day}, 'UTC') AND t < toDateTime(${dayHour}, 'UTC')) AS today,
           (res = 3600 AND t >= toDateTime(${since24Hour}, 'UTC'))
           OR (res = 10 AND t >= toDateTime(${since24}, 'UTC') AND t < toDateTime(${since24Hour}, 'UTC')) AS last_24h
    FROM wallboard_campaign
    WHERE org_id = ${org}
      AND ((res = 3600 AND t >= toDateTime(least(${dayHour}, ${since24Hour}), 'UTC'))
        OR (res = 10 AND t >= toDateTime(${day}, 'UTC') AND t < toDateTime(${dayHour}, 'UTC'))
        OR (res = 10 AND t >= toDateTime(${since24}, 'UTC') AND t < toDateTime(${since24Hour}, 'UTC')))
)
GROUP BY campaign_id ORDER BY campaign_id`,
    campaignSeries: sql`
SELECT campaign_id, toUnixTimestamp(t) AS minute,
       sum(attempts) AS attempts, sum(human_answered) AS live_answers, sum(abandoned) AS abandoned,
       sum(bridged) AS bridged
FROM wallboard_campaign
WHERE org_id = ${org} AND res = 60 AND t >= toDateTime(${since30m}, 'UTC')
GROUP BY campaign_id, minute HAVING sum(stats_rows) > 0 ORDER BY campaign_id, minute`,
    agentStates: sql`
SELECT agent_id, state, sum(seconds) AS seconds
FROM wallboard_agent_states
WHERE org_id = ${org}
  AND ((res = 3600 AND t >= toDateTime(${dayHour}, 'UTC'))
    OR (res = 60 AND t >= toDateTime(${day}, 'UTC') AND t < toDateTime(${dayHour}, 'UTC')))
GROUP BY agent_id, state ORDER BY agent_id, state`,
    agentWork: sql`
SELECT agent_id, sum(calls) AS handled, sum(talk_s) AS talk_s, sum(hold_s) AS hold_s, sum(wrap_s) AS wrap_s,
       sum(disp_a) + sum(disp_b) AS conversions
FROM report_agent_hours
WHERE org_id = ${org} AND hour >= toStartOfHour(toDateTime(${day}, 'UTC'))
GROUP BY agent_id ORDER BY agent_id`,
    agentTeams: sql`
SELECT agent_id, argMax(team_id, seen_at) AS team_id
FROM report_agent_teams
WHERE org_id = ${org}
GROUP BY agent_id ORDER BY agent_id`,
    // Call quality of the last minutes (migration 096): calls measured and calls whose worse
    // leg's MOS is poor, for the wallboard's quality warning.
    quality: sql`
SELECT countIf(isNotNull(worst)) AS measured, countIf(ifNull(worst < ${poorMos}, 0)) AS poor
FROM
(
    SELECT attempt_id, min(mos) AS worst
    FROM call_quality
    WHERE org_id = ${org} AND occurred_at >= toDateTime(${since5m}, 'UTC')
    GROUP BY attempt_id
)`,
    // Speed-to-lead (migration 130's view, over the last day only): real-time leads whose first
    // INVITE went out in the last 15 minutes, p50/p95 of received → INVITE; and those received in
    // the last 15 minutes not dialed yet.
    speedToLead: sql`
SELECT countIf(is_dialed) AS dialed,
       quantileExactIf(0.5)(speed_ms, is_dialed) AS p50_ms,
       quantileExactIf(0.95)(speed_ms, is_dialed) AS p95_ms,
       countIf(is_waiting) AS waiting
FROM
(
    SELECT d.lead_id != '' AND d.first_dial_at >= fromUnixTimestamp64Milli(${since15m}) AS is_dialed,
           d.lead_id = '' AND l.received_at >= fromUnixTimestamp64Milli(${since15m}) AS is_waiting,
           dateDiff('millisecond', l.received_at, d.first_dial_at) AS speed_ms
    FROM
    (
        SELECT campaign_id, lead_id, min(occurred_at) AS received_at
        FROM events
        WHERE org_id = ${org} AND kind = 'lead.created' AND campaign_id != ''
          AND occurred_at >= fromUnixTimestamp64Milli(${since24ms})
          AND JSONExtractString(payload, 'source') != 'import'
        GROUP BY campaign_id, lead_id
    ) AS l
    LEFT JOIN
    (
        SELECT campaign_id, lead_id, min(occurred_at) AS first_dial_at
        FROM events
        WHERE org_id = ${org} AND kind = 'call.dialing'
          AND occurred_at >= fromUnixTimestamp64Milli(${since24ms})
        GROUP BY campaign_id, lead_id
    ) AS d ON d.campaign_id = l.campaign_id AND d.lead_id = l.lead_id
)`,
  } satisfies Record<string, BoundQuery>;
}

export type WallboardQueries = ReturnType<typeof wallboardQueries>;
export type WallboardQueryName = keyof WallboardQueries;

const N = z.coerce.number();
const CampaignsRow = z.object({
  campaign_id: z.string(),
  today_rows: N,
  today_attempts: N,
  today_answered: N,
  today_live_answers: N,
  today_abandoned: N,
  today_bridged: N,
  today_talked: N,
  today_talk_s: N,
  today_wrap_s: N,
  today_dispositions: N,
  today_conversions: N,
  today_sl_bridged: N,
  today_sl_within: N,
  last_24h_rows: N,
  last_24h_live_answers: N,
  last_24h_abandoned: N,
});
const rowSchemas = {
  campaignSeries: z.object({
    campaign_id: z.string(),
    minute: N,
    attempts: N,
    live_answers: N,
    abandoned: N,
    bridged: N,
  }),
  agentStates: z.object({ agent_id: z.string(), state: z.string(), seconds: N }),
  agentWork: z.object({
    agent_id: z.string(),
    handled: N,
    talk_s: N,
    hold_s: N,
    wrap_s: N,
    conversions: N,
  }),
  agentTeams: z.object({ agent_id: z.string(), team_id: z.string() }),
  quality: z.object({ measured: N, poor: N }),
  speedToLead: z.object({ dialed: N, p50_ms: N, p95_ms: N, waiting: N }),
} as const;

type Row<S extends z.ZodTypeAny> = z.infer<S>;
export interface WallboardRows {
  /** Campaigns with call activity today. */
  campaignToday: Array<{
    campaign_id: string;
    attempts: number;
    answered: number;
    live_answers: number;
    abandoned: number;
    bridged: number;
    talked: number;
    talk_s: number;
    wrap_s: number;
  }>;
  /** Campaigns with call activity in the last 24 h. */
  campaign24h: Array<{ campaign_id: string; live_answers: number; abandoned: number }>;
  /** Campaigns with calls bridged today: how many, and how many within the threshold. */
  serviceLevel: Array<{ campaign_id: string; bridged: number; within_threshold: number }>;
  /** Campaigns with dispositions today (A and B are conversions). */
  conversions: Array<{ campaign_id: string; conversions: number; dispositions: number }>;
  campaignSeries: Row<(typeof rowSchemas)["campaignSeries"]>[];
  agentStates: Row<(typeof rowSchemas)["agentStates"]>[];
  agentWork: Row<(typeof rowSchemas)["agentWork"]>[];
  agentTeams: Row<(typeof rowSchemas)["agentTeams"]>[];
  /** Calls that ended in the last QUALITY_WINDOW_S: measured, and poor (worse leg MOS < 3.5). */
  quality: Row<(typeof rowSchemas)["quality"]>;
  /** Real-time leads first dialed in the last SPEED_TO_LEAD_WINDOW_S (p50/p95 ms), and not yet dialed. */
  speedToLead: Row<(typeof rowSchemas)["speedToLead"]>;
}

async function rowsOf<S extends z.ZodTypeAny>(client: ClickHouseClient, q: BoundQuery, schema: S) {
  const rs = await client.query({ query: q.text, query_params: q.params, format: "JSONEachRow" });
  return z.array(schema).parse(await rs.json()) as z.infer<S>[];
}

/** Runs every wallboard query (concurrently) and validates the rows. */
export async function runWallboardQueries(
  client: ClickHouseClient,
  w: WallboardWindow,
): Promise<{ rows: WallboardRows; queries: WallboardQueries }> {
  const queries = wallboardQueries(w);
  const [campaigns, campaignSeries, agentStates, agentWork, agentTeams, quality, speedToLead] =
    await Promise.all([
      rowsOf(client, queries.campaigns, CampaignsRow),
      rowsOf(client, queries.campaignSeries, rowSchemas.campaignSeries),
      rowsOf(client, queries.agentStates, rowSchemas.agentStates),
      rowsOf(client, queries.agentWork, rowSchemas.agentWork),
      rowsOf(client, queries.agentTeams, rowSchemas.agentTeams),
      rowsOf(client, queries.quality, rowSchemas.quality),
      rowsOf(client, queries.speedToLead, rowSchemas.speedToLead),
    ]);
  const rows: WallboardRows = {
    campaignToday: campaigns
      .filter((r) => r.today_rows > 0)
      .map((r) => ({
        campaign_id: r.campaign_id,
        attempts: r.today_attempts,
        answered: r.today_answered,
        live_answers: r.today_live_answers,
        abandoned: r.today_abandoned,
        bridged: r.today_bridged,
        talked: r.today_talked,
        talk_s: r.today_talk_s,
        wrap_s: r.today_wrap_s,
      })),
    campaign24h: campaigns
      .filter((r) => r.last_24h_rows > 0)
      .map((r) => ({
        campaign_id: r.campaign_id,
        live_answers: r.last_24h_live_answers,
        abandoned: r.last_24h_abandoned,
      })),
    serviceLevel: campaigns
      .filter((r) => r.today_sl_bridged > 0)
      .map((r) => ({
        campaign_id: r.campaign_id,
        bridged: r.today_sl_bridged,
        within_threshold: r.today_sl_within,
      })),
    conversions: campaigns
      .filter((r) => r.today_dispositions > 0)
      .map((r) => ({
        campaign_id: r.campaign_id,
        conversions: r.today_conversions,
        dispositions: r.today_dispositions,
      })),
    campaignSeries,
    agentStates,
    agentWork,
    agentTeams,
    quality: quality[0] ?? { measured: 0, poor: 0 },
    speedToLead: speedToLead[0] ?? { dialed: 0, p50_ms: 0, p95_ms: 0, waiting: 0 },
  };
  return { rows, queries };
}
