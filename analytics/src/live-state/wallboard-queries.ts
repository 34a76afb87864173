import type { ClickHouseClient } from "@clickhouse/client";
import { z } from "zod";
import { type BoundQuery, param, sql } from "./sql.ts";

/**
 * What the live wallboard reads from ClickHouse, per org — only small aggregated tables
 * (migrations 052 and 060). A range "since T" is the hourly rollup for the whole
 * hours from ceilHour(T) on, plus the 10-second (1-minute) table for [T, ceilHour(T)) —
 * the same rows the fine table alone would give, at a few hundred rows a day instead of
 * ~200k. When T is on the hour (local midnight in whole-hour time zones) the edge range is
 * empty and its parts are pruned by the partition min-max index.
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
  return {
    campaignToday: sql`
SELECT campaign_id,
       sum(attempts) AS attempts, sum(answered) AS answered, sum(human_answered) AS live_answers,
       sum(abandoned) AS abandoned, sum(bridged) AS bridged, sum(talked) AS talked,
       sum(talk_s) AS talk_s, sum(wrap_s) AS wrap_s
FROM
(
    SELECT campaign_id, attempts, answered, human_answered, abandoned, bridged, talked, talk_s, wrap_s
    FROM campaign_stats_1h
    WHERE org_id = ${org} AND hour >= toDateTime(${dayHour}, 'UTC')
    UNION ALL
    SELECT campaign_id, attempts, answered, human_answered, abandoned, bridged, talked, talk_s, wrap_s
    FROM campaign_counters_10s
    WHERE org_id = ${org} AND bucket >= toDateTime(${day}, 'UTC') AND bucket < toDateTime(${dayHour}, 'UTC')
)
GROUP BY campaign_id ORDER BY campaign_id`,
    campaign24h: sql`
SELECT campaign_id, sum(human_answered) AS live_answers, sum(abandoned) AS abandoned
FROM
(
    SELECT campaign_id, human_answered, abandoned
    FROM campaign_stats_1h
    WHERE org_id = ${org} AND hour >= toDateTime(${since24Hour}, 'UTC')
    UNION ALL
    SELECT campaign_id, human_answered, abandoned
    FROM campaign_counters_10s
    WHERE org_id = ${org} AND bucket >= toDateTime(${since24}, 'UTC') AND bucket < toDateTime(${since24Hour}, 'UTC')
)
GROUP BY campaign_id ORDER BY campaign_id`,
    campaignSeries: sql`
SELECT campaign_id, toUnixTimestamp(toStartOfMinute(bucket)) AS minute,
       sum(attempts) AS attempts, sum(human_answered) AS live_answers, sum(abandoned) AS abandoned,
       sum(bridged) AS bridged
FROM campaign_counters_10s
WHERE org_id = ${org} AND bucket >= toDateTime(${since30m}, 'UTC')
GROUP BY campaign_id, minute ORDER BY campaign_id, minute`,
    serviceLevel: sql`
SELECT campaign_id, sum(calls) AS bridged, sumIf(calls, wait_s < ${slS}) AS within_threshold
FROM
(
    SELECT campaign_id, wait_s, bridged AS calls
    FROM campaign_waits_1h
    WHERE org_id = ${org} AND hour >= toDateTime(${dayHour}, 'UTC')
    UNION ALL
    SELECT campaign_id, wait_s, bridged AS calls
    FROM campaign_waits_10s
    WHERE org_id = ${org} AND bucket >= toDateTime(${day}, 'UTC') AND bucket < toDateTime(${dayHour}, 'UTC')
)
GROUP BY campaign_id ORDER BY campaign_id`,
    conversions: sql`
SELECT campaign_id, sum(conversions) AS conversions, sum(dispositions) AS dispositions
FROM
(
    SELECT campaign_id, conversions, dispositions
    FROM campaign_dispositions_1h
    WHERE org_id = ${org} AND hour >= toDateTime(${dayHour}, 'UTC')
    UNION ALL
    SELECT campaign_id, conversions, dispositions
    FROM campaign_dispositions_10s
    WHERE org_id = ${org} AND bucket >= toDateTime(${day}, 'UTC') AND bucket < toDateTime(${dayHour}, 'UTC')
)
GROUP BY campaign_id ORDER BY campaign_id`,
    agentStates: sql`
SELECT agent_id, state, sum(seconds) AS seconds
FROM
(
    SELECT agent_id, state, seconds
    FROM agent_state_1h
    WHERE org_id = ${org} AND hour >= toDateTime(${dayHour}, 'UTC')
    UNION ALL
    SELECT agent_id, state, seconds
    FROM agent_seconds_1m
    WHERE org_id = ${org} AND bucket >= toDateTime(${day}, 'UTC') AND bucket < toDateTime(${dayHour}, 'UTC')
)
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
