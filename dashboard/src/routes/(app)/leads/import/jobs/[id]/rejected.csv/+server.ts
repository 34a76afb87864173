import { error } from "@sveltejs/kit";
import { toCsv } from "#lib/csv.ts";
import { requireArea } from "#lib/server/auth/guard.ts";
import { jobFor } from "#lib/server/lead-import.ts";
import type { RequestHandler } from "./$types";

/** Every row the import did not take, with its line number and why (formula cells escaped). */
export const GET = (({ locals, params }) => {
  const user = requireArea(locals, "leads");
  const job = jobFor(params.id, user.org);
  if (!job?.report) error(404, "no finished import with this id");
  const r = job.report;
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
      "content-disposition": `attachment; filename="import-${job.id}-not-imported.csv"`,
    },
  });
}) satisfies RequestHandler;
