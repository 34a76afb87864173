import { WORKLOAD_CSV_COLUMNS, workloadReport } from "@cc/analytics";
import { error } from "@sveltejs/kit";
import { toCsv } from "#lib/csv.ts";
import { requireArea } from "#lib/server/auth/guard.ts";
import { scopeFor } from "#lib/server/auth/scope.ts";
import { clickhouse } from "#lib/server/clickhouse.ts";
import { redis } from "#lib/server/redis.ts";
import { issuesOf, resolveRange, TIME_ZONE } from "../../common.ts";
import { WorkloadQuery } from "../query.server.ts";
import type { RequestHandler } from "./$types";

/** Workload rows as CSV (formula cells escaped; UTF-8 with BOM so Excel on Chinese Windows opens it correctly). */
export const GET = (async ({ locals, url }) => {
  const user = requireArea(locals, "reports");
  const parsed = WorkloadQuery.safeParse(Object.fromEntries(url.searchParams));
  if (!parsed.success) error(400, JSON.stringify(issuesOf(parsed.error)));
  const q = parsed.data;
  const range = resolveRange(q);
  const scope = await scopeFor(await redis(), user);
  const r = await workloadReport(clickhouse(), scope, {
    from: range.fromIso,
    to: range.toIso,
    grain: q.grain,
    timeZone: TIME_ZONE,
    ...(q.agent ? { agentIds: [q.agent] } : {}),
    ...(q.team ? { teamIds: [q.team] } : {}),
  });
  const csv = toCsv({
    fields: WORKLOAD_CSV_COLUMNS as string[],
    data: r.rows.map((row) => WORKLOAD_CSV_COLUMNS.map((c) => row[c])),
  });
  return new Response(csv, {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="workload-${q.grain}-${range.from}-${range.to}.csv"`,
    },
  });
}) satisfies RequestHandler;
