import { AttributionModel, RoiGroupBy, roiReport } from "@cc/analytics";
import { z } from "zod";
import { requireArea } from "#lib/server/auth/guard.ts";
import { scopeFor } from "#lib/server/auth/scope.ts";
import { canAccess } from "#lib/server/auth/types.ts";
import { clickhouse } from "#lib/server/clickhouse.ts";
import { log } from "#lib/server/log.ts";
import { redis } from "#lib/server/redis.ts";
import { issuesOf, RangeQuery, REPORT_CACHE, resolveRange, TIME_ZONE } from "../common.ts";
import { includesGeneratedHistory } from "../generated.server.ts";
import type { PageServerLoad } from "./$types";

const Query = RangeQuery.extend({
  model: AttributionModel.default("last_touch"),
  lookback: z.coerce.number().positive().max(365).default(30),
  group: RoiGroupBy.exclude(["heatmap"]).default("channel"),
});

export const load = (async ({ locals, url }) => {
  const user = requireArea(locals, "reports");
  const canSql = canAccess(user.role, "sql");
  const parsed = Query.safeParse(Object.fromEntries(url.searchParams));
  if (!parsed.success) return { issues: issuesOf(parsed.error), canSql, filters: null, report: null };
  const q = parsed.data;
  const range = resolveRange(q);
  const filters = { ...range, model: q.model, lookback: q.lookback, group: q.group };
  try {
    const scope = await scopeFor(await redis(), user);
    const base = {
      from: range.fromIso,
      to: range.toIso,
      model: q.model,
      lookbackDays: q.lookback,
      timeZone: TIME_ZONE,
    };
    const ch = clickhouse();
    const [grouped, heat] = await Promise.all([
      roiReport(ch, scope, { ...base, groupBy: q.group }, REPORT_CACHE),
      roiReport(ch, scope, { ...base, groupBy: "heatmap" }, REPORT_CACHE),
    ]);
    return {
      issues: null,
      canSql,
      filters,
      report: {
        rows: grouped.rows,
        total: grouped.total,
        sql: grouped.sql,
        heatmap: heat.heatmap,
        heatSql: heat.sql,
        elapsedMs: Math.round(Math.max(grouped.elapsedMs, heat.elapsedMs)),
        generated: await includesGeneratedHistory(user.org, range),
      },
    };
  } catch (err) {
    log.error({ err, report: "roi" }, "ROI report failed");
    return { issues: { "(query)": (err as Error).message }, canSql, filters, report: null };
  }
}) satisfies PageServerLoad;
