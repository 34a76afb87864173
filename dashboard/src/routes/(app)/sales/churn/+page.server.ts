import { churnWarnings } from "@cc/customers";
import { z } from "zod";
import { requireArea } from "#lib/server/auth/guard.ts";
import { canAccess } from "#lib/server/auth/types.ts";
import { clickhouse } from "#lib/server/clickhouse.ts";
import { config } from "#lib/server/config.ts";
import { localDay, salesScope } from "#lib/server/sales.ts";
import type { PageServerLoad } from "./$types";

const Query = z.object({
  days: z.coerce.number().int().min(1).max(366).default(30),
  drop: z.coerce.number().min(1).max(99).default(30),
  window: z.coerce.number().int().min(1).max(180).default(30),
  min: z.coerce.number().int().min(1).max(1000).default(2),
});

/**
 * Churn warnings for enterprise customers (政企客户流失预警): the owner sees their own, a
 * manager the department's reps, a director everyone — decided by the server-side scope.
 */
export const load = (async ({ locals, url }) => {
  const user = requireArea(locals, "sales");
  const parsed = Query.safeParse(Object.fromEntries(url.searchParams));
  const q = parsed.success ? parsed.data : Query.parse({});
  const now = Date.now();
  const warnings = await churnWarnings(clickhouse(), await salesScope(user), {
    today: localDay(now),
    now: new Date(now).toISOString(),
    timeZone: config().CC_TIMEZONE,
    expiringWithinDays: q.days,
    spendDropRatio: q.drop / 100,
    complaintWindowDays: q.window,
    minComplaints: q.min,
  });
  return { q, warnings, today: localDay(now), canSql: canAccess(user.role, "sql"), role: user.role };
}) satisfies PageServerLoad;
