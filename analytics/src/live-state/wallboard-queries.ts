import type { ClickHouseClient } from "@clickhouse/client";
import { z } from "zod";
import { type BoundQuery, param, sql } from "./sql.ts";

/**
 * What the live wallboard reads from ClickHouse, per org. Every query reads the
 * pre-aggregated tables (campaign_stats_10s, agent_state_1m, report_agent_hourly,
 * report_lead_events, report_agent_teams); the one exception, service level, reads
 * call.bridged rows of the raw table through its primary key (org, kind, campaign, time)
 * for today only, because no aggregate keeps the wait distribution.
 */
export interface WallboardWindow {
  orgId: string;
  /** Start of the reporting day (UTC instant of local midnight). */
  dayStart: Date;
  now: Date;
  /** Service-level threshold in seconds (answered within T). */
  serviceLevelSeconds: number;
}

const s = (d: Date) => Math.floor(d.getTime() / 1000);

export function wallboardQueries(w: WallboardWindow) {
  const org = param("org", "String", w.orgId);
  const day = param("day_start", "UInt32", s(w.dayStart));
  const since24 = param("since_24h", "UInt32", s(w.now) - 86_400);
  const since30m = param("since_30m", "UInt32", Math.floor((s(w.now) - 1800) / 60) * 60);
  const slMs = param("sl_ms", "UInt32", w.serviceLevelSeconds * 1000);
  return {
    campaignToday: sql`
SELECT campaign_id,
       sum(attempts) AS attempts, sum(answered) AS answered, sum(human_answered) AS live_answers,
       sum(abandoned) AS abandoned, sum(bridged) AS bridged, sum(talked) AS talked,
       sum(talk_s) AS talk_s, sum(wrap_s) AS wrap_s
FROM campaign_stats_10s
WHERE org_id = ${org} AND bucket >= toDateTime(${day}, 'UTC')
GROUP BY campaign_id ORDER BY campaign_id`,
    campaign24h: sql`
SELECT campaign_id, sum(human_answered) AS live_answers, sum(abandoned) AS abandoned
FROM campaign_stats_10s
WHERE org_id = ${org} AND bucket >= toDateTime(${since24}, 'UTC')
GROUP BY campaign_id ORDER BY campaign_id`,
    campaignSeries: sql`
SELECT campaign_id, toUnixTimestamp(toStartOfMinute(bucket)) AS minute,
       sum(attempts) AS attempts, sum(human_answered) AS live_answers, sum(abandoned) AS abandoned,
       sum(bridged) AS bridged
FROM campaign_stats_10s
WHERE org_id = ${org} AND bucket >= toDateTime(${since30m}, 'UTC')
GROUP BY campaign_id, minute ORDER BY campaign_id, minute`,
    serviceLevel: sql`
SELECT campaign_id, count() AS bridged,
       countIf(JSONExtractUInt(payload, 'wait_ms') < ${slMs}) AS within_threshold
FROM events
WHERE org_id = ${org} AND kind = 'call.bridged' AND occurred_at >= toDateTime64(${day}, 3, 'UTC')
GROUP BY campaign_id ORDER BY campaign_id`,
    conversions: sql`
SELECT campaign_id, countIf(disposition IN ('A', 'B')) AS conversions, count() AS dispositions
FROM report_lead_events
WHERE org_id = ${org} AND kind = 'call.disposition' AND ts >= toDateTime64(${day}, 3, 'UTC')
GROUP BY campaign_id ORDER BY campaign_id`,
    agentStates: sql`
SELECT agent_id, state, sum(seconds) AS seconds
FROM agent_state_1m
WHERE org_id = ${org} AND bucket >= toDateTime(${day}, 'UTC')
GROUP BY agent_id, state ORDER BY agent_id, state`,
    agentWork: sql`
SELECT agent_id, sum(calls) AS handled, sum(talk_s) AS talk_s, sum(hold_s) AS hold_s, sum(wrap_s) AS wrap_s,
       sum(disp_a) + sum(disp_b) AS conversions
FROM report_agent_hourly
WHERE org_id = ${org} AND hour >= toStartOfHour(toDateTime(${day}, 'UTC'))
GROUP BY agent_id ORDER BY agent_id`,
    agentTeams: sql`
SELECT agent_id, argMax(team_id, seen_at) AS team_id
FROM report_agent_teams
WHERE org_id = ${org}
GROUP BY agent_id ORDER BY agent_id`,
  } satisfies Record<string, BoundQuery>;
}

export type WallboardQueryName = keyof ReturnType<typeof wallboardQueries>;

const N = z.coerce.number();
const rowSchemas = {
  campaignToday: z.object({
    campaign_id: z.string(),
    attempts: N,
    answered: N,
    live_answers: N,
    abandoned: N,
    bridged: N,
    talked: N,
    talk_s: N,
    wrap_s: N,
  }),
  campaign24h: z.object({ campaign_id: z.string(), live_answers: N, abandoned: N }),
  campaignSeries: z.object({
    campaign_id: z.string(),
    minute: N,
    attempts: N,
    live_answers: N,
    abandoned: N,
    bridged: N,
  }),
  serviceLevel: z.object({ campaign_id: z.string(), bridged: N, within_threshold: N }),
  conversions: z.object({ campaign_id: z.string(), conversions: N, dispositions: N }),
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
} as const;

export type WallboardRows = { [K in WallboardQueryName]: z.infer<(typeof rowSchemas)[K]>[] };

/** Runs every wallboard query (concurrently) and validates the rows. */
export async function runWallboardQueries(
  client: ClickHouseClient,
  w: WallboardWindow,
): Promise<{ rows: WallboardRows; queries: ReturnType<typeof wallboardQueries> }> {
  const queries = wallboardQueries(w);
  const names = Object.keys(queries) as WallboardQueryName[];
  const results = await Promise.all(
    names.map(async (name) => {
      const q = queries[name];
      const rs = await client.query({ query: q.text, query_params: q.params, format: "JSONEachRow" });
      return z.array(rowSchemas[name] as z.ZodTypeAny).parse(await rs.json());
    }),
  );
  const rows = Object.fromEntries(names.map((n, i) => [n, results[i]])) as WallboardRows;
  return { rows, queries };
}
