import { error } from "@sveltejs/kit";
import { toCsv } from "#lib/csv.ts";
import { requireArea } from "#lib/server/auth/guard.ts";
import { storedReport } from "#lib/server/import-history.ts";
import { jobFor } from "#lib/server/lead-import.ts";
import type { RequestHandler } from "./$types";

/**
 * Every row the import did not take, with its line number and why (formula cells escaped): a job
 * of this process, or any import of the org whose report is still in Redis (the recent-imports table).
 */
export const GET = (async ({ locals, params }) => {
  const user = requireArea(locals, "leads");
  const r = jobFor(params.id, user.org)?.report ?? (await storedReport(user.org, params.id));
  if (!r) error(404, "no finished import with this id");
  const rows: unknown[][] = [
    ...r.rejected.map((x) => [x.line, "rejected", x.code, x.reason, x.value ?? ""]),
    ...r.merges.map((x) => [
      x.line,
      "merged",
      x.match,
      x.into ? `into line ${x.into}` : "existing lead",
      x.phone,
    ]),
    ...r.dncHits.map((x) => [x.line, x.list, x.list, "number is on the list", x.phone]),
  ].sort((a, b) => (a[0] as number) - (b[0] as number));
  const csv = toCsv({ fields: ["line", "status", "code", "reason", "value"], data: rows });
  return new Response(csv, {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="import-${params.id}-not-imported.csv"`,
    },
  });
}) satisfies RequestHandler;
