import { EntityId } from "@cc/ingest";
import { z } from "zod";
import {
  Count,
  chDateTime,
  Num,
  Ratio,
  type ReportClient,
  type ReportResult,
  type ReportRunOptions,
  type ReportSql,
  runReport,
} from "./query.ts";
import { scopeSql, type VisibilityScope, visibleAgentPredicate } from "./scope.ts";

/**
 * Per agent per hour, per agent per day, per team per day (team comparison), totals, or per agent
 * per hour of day (0–23 in the report's zone, summed over the range: the occupancy heatmap).
 */
export const WorkloadGrain = z.enum([
  "agent_hour",
  "agent_day",
  "team_day",
  "agent_total",
  "team_total",
  "agent_hour_of_day",
]);
export type WorkloadGrain = z.infer<typeof WorkloadGrain>;

export const WorkloadParams = z
  .object({
    from: z.iso.datetime(),
    to: z.iso.datetime(),
    grain: WorkloadGrain.default("agent_day"),
    agentIds: z.array(EntityId).max(10_000).optional(),
    teamIds: z.array(EntityId).max(1000).optional(),
    timeZone: z.string().min(1).max(64).default("Asia/Shanghai"),
  })
  .refine((p) => Date.parse(p.to) > Date.parse(p.from), { message: "to must be after from", path: ["to"] });
export type WorkloadParams = z.input<typeof WorkloadParams>;

export const WorkloadRow = z.object({
  /** Agent id, or team id for team grains. */
  key: z.string(),
  team_id: z.string(),
  /** Start of the hour or day in the report's time zone ('' for totals, "0"–"23" for hour of day). */
  bucket: z.string(),
  agents: Count,
  calls: Count,
  talk_s: Num,
  hold_s: Num,
  wrap_s: Num,
  /** Ready and waiting for a call. */
  idle_s: Num,
  reserved_s: Num,
  on_call_s: Num,
  wrap_up_s: Num,
  pause_s: Num,
  logged_in_s: Num,
  /** (on call + wrap-up) / (logged in − pause). */
  occupancy: Ratio,
  /** Calls handled per on-queue hour (logged in − pause). */
  calls_per_hour: Ratio,
  disp_a: Count,
  disp_b: Count,
  disp_c: Count,
  disp_d: Count,
  disp_e: Count,
  disp_f: Count,
  new_customers: Count,
});
export type WorkloadRow = z.infer<typeof WorkloadRow>;

const KEY: Record<WorkloadGrain, { key: string; bucket: string }> = {
  agent_hour: { key: "h.agent_id", bucket: "toString(toTimeZone(h.hour, {tz:String}))" },
  agent_day: { key: "h.agent_id", bucket: "toString(toDate(h.hour, {tz:String}))" },
  team_day: { key: "ifNull(t.team_id, '')", bucket: "toString(toDate(h.hour, {tz:String}))" },
  agent_total: { key: "h.agent_id", bucket: "''" },
  team_total: { key: "ifNull(t.team_id, '')", bucket: "''" },
  agent_hour_of_day: { key: "h.agent_id", bucket: "toString(toHour(toTimeZone(h.hour, {tz:String})))" },
};

/**
 * Agent workload (工作量统计) from report_agent_hours (migration 180: report_agent_hourly's
 * sums — states split across hours — in hour order, so a date range reads only its hours).
 */
export function workloadSql(scope: VisibilityScope, input: WorkloadParams): ReportSql {
  const p = WorkloadParams.parse(input);
  const s = scopeSql(scope);
  const k = KEY[p.grain];
  const query = `
SELECT
  ${k.key} AS key,
  any(ifNull(t.team_id, '')) AS team_id,
  ${k.bucket} AS bucket,
  uniqExact(h.agent_id) AS agents,
  sum(h.calls) AS calls,
  sum(h.talk_s) AS talk_s,
  sum(h.hold_s) AS hold_s,
  sum(h.wrap_s) AS wrap_s,
  sum(h.ready_s) AS idle_s,
  sum(h.reserved_s) AS reserved_s,
  sum(h.on_call_s) AS on_call_s,
  sum(h.wrap_up_s) AS wrap_up_s,
  sum(h.paused_s) AS pause_s,
  idle_s + reserved_s + on_call_s + wrap_up_s + pause_s AS logged_in_s,
  if(logged_in_s - pause_s > 0, (on_call_s + wrap_up_s) / (logged_in_s - pause_s), NULL) AS occupancy,
  if(logged_in_s - pause_s > 0, calls / ((logged_in_s - pause_s) / 3600), NULL) AS calls_per_hour,
  sum(h.disp_a) AS disp_a, sum(h.disp_b) AS disp_b, sum(h.disp_c) AS disp_c,
  sum(h.disp_d) AS disp_d, sum(h.disp_e) AS disp_e, sum(h.disp_f) AS disp_f,
  sum(h.new_customers) AS new_customers
FROM report_agent_hours AS h
LEFT JOIN (
  SELECT agent_id, argMax(team_id, seen_at) AS team_id
  FROM report_agent_teams WHERE org_id = {scope_org:String} GROUP BY agent_id
) AS t ON t.agent_id = h.agent_id
WHERE h.org_id = {scope_org:String}
  AND h.hour >= toStartOfHour({from:DateTime64(3, 'UTC')}) AND h.hour < {to:DateTime64(3, 'UTC')}
  ${s.agentRestricted ? `AND ${visibleAgentPredicate("h.agent_id")}` : ""}
  ${p.agentIds ? "AND h.agent_id IN {agents:Array(String)}" : ""}
  ${p.teamIds ? "AND ifNull(t.team_id, '') IN {teams:Array(String)}" : ""}
GROUP BY key, bucket
ORDER BY bucket, key
`;
  return {
    query,
    params: {
      ...s.params,
      from: chDateTime(p.from),
      to: chDateTime(p.to),
      tz: p.timeZone,
      agents: p.agentIds ?? [],
      teams: p.teamIds ?? [],
    },
  };
}

export async function workloadReport(
  client: ReportClient,
  scope: VisibilityScope,
  params: WorkloadParams,
  options: ReportRunOptions = {},
): Promise<ReportResult<WorkloadRow>> {
  return runReport(client, workloadSql(scope, params), WorkloadRow, options);
}

/** Column order for CSV export (stable, documented names). */
export const WORKLOAD_CSV_COLUMNS = Object.keys(WorkloadRow.shape) as (keyof WorkloadRow)[];
