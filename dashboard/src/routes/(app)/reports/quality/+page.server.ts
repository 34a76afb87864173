import { POOR_MOS, QualityGroupBy, qualityReport } from "@cc/analytics";
import { z } from "zod";
import { requireArea } from "#lib/server/auth/guard.ts";
import { scopeFor } from "#lib/server/auth/scope.ts";
import { canAccess } from "#lib/server/auth/types.ts";
import { clickhouse } from "#lib/server/clickhouse.ts";
import { log } from "#lib/server/log.ts";
import { redis } from "#lib/server/redis.ts";
import { issuesOf, RangeQuery, resolveRange, TIME_ZONE } from "../common.ts";
import type { PageServerLoad } from "./$types";

const QualityQuery = RangeQuery.extend({
  group: QualityGroupBy.default("trunk"),
  poor: z.coerce.number().min(1).max(5).default(POOR_MOS),
});

export const load = (async ({ locals, url }) => {
  const user = requireArea(locals, "reports");
  const canSql = canAccess(user.role, "sql");
  const parsed = QualityQuery.safeParse(Object.fromEntries(url.searchParams));
  if (!parsed.success) return { issues: issuesOf(parsed.error), canSql, filters: null, report: null };
  const q = parsed.data;
  const range = resolveRange(q);
  const filters = { ...range, group: q.group, poor: q.poor };
  try {
    const scope = await scopeFor(await redis(), user);
    const r = await qualityReport(clickhouse(), scope, {
      from: range.fromIso,
      to: range.toIso,
      groupBy: q.group,
      poorMos: q.poor,
      timeZone: TIME_ZONE,
    });
    return {
      issues: null,
      canSql,
      filters,
      report: { rows: r.rows, sql: r.sql, elapsedMs: Math.round(r.elapsedMs) },
    };
  } catch (err) {
    log.error({ err, report: "quality" }, "quality report failed");
    return { issues: { "(query)": (err as Error).message }, canSql, filters, report: null };
  }
}) satisfies PageServerLoad;
