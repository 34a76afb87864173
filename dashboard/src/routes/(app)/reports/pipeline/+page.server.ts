import { pipelineFunnel, pipelineRoi } from "@cc/customers";
import { z } from "zod";
import { requireArea } from "#lib/server/auth/guard.ts";
import { canAccess } from "#lib/server/auth/types.ts";
import { clickhouse } from "#lib/server/clickhouse.ts";
import { log } from "#lib/server/log.ts";
import { salesScope } from "#lib/server/sales.ts";
import { issuesOf, RangeQuery, resolveRange } from "../common.ts";
import type { PageServerLoad } from "./$types";

const Query = RangeQuery.extend({ lookback: z.coerce.number().int().min(1).max(365).default(30) });

/** Sales stages and orders in the funnel and the advertising ROI (per rep, per ad channel). */
export const load = (async ({ locals, url }) => {
  const user = requireArea(locals, "reports");
  const canSql = canAccess(user.role, "sql");
  const parsed = Query.safeParse(Object.fromEntries(url.searchParams));
  if (!parsed.success) return { issues: issuesOf(parsed.error), canSql, filters: null, report: null };
  const range = resolveRange(parsed.data);
  const filters = { ...range, lookback: parsed.data.lookback };
  try {
    const scope = await salesScope(user);
    const ch = clickhouse();
    const [funnel, roi] = await Promise.all([
      pipelineFunnel(ch, scope, { from: range.fromIso, to: range.toIso, byAgent: true }),
      pipelineRoi(ch, scope, { from: range.fromIso, to: range.toIso, lookbackDays: parsed.data.lookback }),
    ]);
    const stages = funnel.groups[0]?.stages.map((s) => s.stage) ?? [];
    const total = stages.map((stage, i) => ({
      stage,
      reached: funnel.groups.reduce((sum, g) => sum + (g.stages[i]?.reached ?? 0), 0),
    }));
    return {
      issues: null,
      canSql,
      filters,
      report: { funnel: funnel.groups, total, roi: roi.rows, sql: { funnel: funnel.sql, roi: roi.sql } },
    };
  } catch (err) {
    log.error({ err, report: "pipeline" }, "pipeline report failed");
    return { issues: { "(query)": (err as Error).message }, canSql, filters, report: null };
  }
}) satisfies PageServerLoad;
