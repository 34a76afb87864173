import { type WorkloadRow, workloadReport } from "@cc/analytics";
import { requireArea } from "#lib/server/auth/guard.ts";
import { scopeFor } from "#lib/server/auth/scope.ts";
import { canAccess } from "#lib/server/auth/types.ts";
import { clickhouse } from "#lib/server/clickhouse.ts";
import { log } from "#lib/server/log.ts";
import { redis } from "#lib/server/redis.ts";
import { issuesOf, REPORT_CACHE, resolveRange, TIME_ZONE } from "../common.ts";
import { includesGeneratedHistory } from "../generated.server.ts";
import type { PageServerLoad } from "./$types";
import { WorkloadQuery } from "./query.server.ts";

/** Occupancy per agent per hour of day (CST) over the range, for the heatmap: summed in ClickHouse. */
function hourOfDayOccupancy(rows: WorkloadRow[]) {
  const agents = [...new Set(rows.map((r) => r.key))].sort();
  const cells = rows.map((r) => ({ agent: r.key, hour: Number(r.bucket), occupancy: r.occupancy }));
  return { agents, cells };
}

export const load = (async ({ locals, url }) => {
  const user = requireArea(locals, "reports");
  const canSql = canAccess(user.role, "sql");
  const parsed = WorkloadQuery.safeParse(Object.fromEntries(url.searchParams));
  if (!parsed.success) return { issues: issuesOf(parsed.error), canSql, filters: null, report: null };
  const q = parsed.data;
  const range = resolveRange(q);
  const filters = { ...range, grain: q.grain, agent: q.agent ?? "", team: q.team ?? "" };
  try {
    const scope = await scopeFor(await redis(), user);
    const base = {
      from: range.fromIso,
      to: range.toIso,
      timeZone: TIME_ZONE,
      ...(q.agent ? { agentIds: [q.agent] } : {}),
      ...(q.team ? { teamIds: [q.team] } : {}),
    };
    const ch = clickhouse();
    const [main, hourly, teams] = await Promise.all([
      workloadReport(ch, scope, { ...base, grain: q.grain }, REPORT_CACHE),
      workloadReport(ch, scope, { ...base, grain: "agent_hour_of_day" }, REPORT_CACHE),
      workloadReport(ch, scope, { ...base, grain: "team_total" }, REPORT_CACHE),
    ]);
    return {
      issues: null,
      canSql,
      filters,
      report: {
        rows: main.rows,
        sql: main.sql,
        heat: hourOfDayOccupancy(hourly.rows),
        heatSql: hourly.sql,
        teams: teams.rows,
        teamSql: teams.sql,
        elapsedMs: Math.round(Math.max(main.elapsedMs, hourly.elapsedMs, teams.elapsedMs)),
        generated: await includesGeneratedHistory(user.org, range),
      },
    };
  } catch (err) {
    log.error({ err, report: "workload" }, "workload report failed");
    return { issues: { "(query)": (err as Error).message }, canSql, filters, report: null };
  }
}) satisfies PageServerLoad;
