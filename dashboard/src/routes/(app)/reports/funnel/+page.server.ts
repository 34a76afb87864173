import { FunnelBreakdown, funnelReport } from "@cc/analytics";
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
  window: z.coerce.number().positive().max(366).default(30),
  n: z.coerce.number().int().nonnegative().max(86_400).default(60),
  breakdown: FunnelBreakdown.default("none"),
  campaign: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .optional()
    .or(z.literal("").transform(() => undefined)),
});

export const load = (async ({ locals, url }) => {
  const user = requireArea(locals, "reports");
  const parsed = Query.safeParse(Object.fromEntries(url.searchParams));
  const canSql = canAccess(user.role, "sql");
  if (!parsed.success) return { issues: issuesOf(parsed.error), canSql, report: null, filters: null };
  const q = parsed.data;
  const range = resolveRange(q);
  const filters = { ...range, window: q.window, n: q.n, breakdown: q.breakdown, campaign: q.campaign ?? "" };
  try {
    const scope = await scopeFor(await redis(), user);
    const r = await funnelReport(
      clickhouse(),
      scope,
      {
        from: range.fromIso,
        to: range.toIso,
        windowSeconds: Math.round(q.window * 86_400),
        talkThresholdS: q.n,
        breakdown: q.breakdown,
        ...(q.campaign ? { campaignIds: [q.campaign] } : {}),
        timeZone: TIME_ZONE,
      },
      REPORT_CACHE,
    );
    return {
      issues: null,
      canSql,
      filters,
      report: {
        groups: r.groups,
        total: r.total,
        sql: r.sql,
        elapsedMs: Math.round(r.elapsedMs),
        generated: await includesGeneratedHistory(user.org, range),
      },
    };
  } catch (err) {
    log.error({ err, report: "funnel" }, "funnel report failed");
    return { issues: { "(query)": (err as Error).message }, canSql, filters, report: null };
  }
}) satisfies PageServerLoad;
