import { error, json } from "@sveltejs/kit";
import { requireArea } from "#lib/server/auth/guard.ts";
import { jobFor } from "#lib/server/lead-import.ts";
import type { RequestHandler } from "./$types";

/** Rows of each report list the page shows; the CSV download has them all. */
const SHOWN = 200;

/** An import job's progress, and its report once done (long lists cut to the first rows). */
export const GET = (({ locals, params }) => {
  const user = requireArea(locals, "leads");
  const job = jobFor(params.id, user.org);
  if (!job) error(404, "no such import");
  const r = job.report;
  return json({
    ...job,
    report: r && {
      ...r,
      rejected: r.rejected.slice(0, SHOWN),
      merges: r.merges.slice(0, SHOWN),
      dncHits: r.dncHits.slice(0, SHOWN),
      missingImportant: {
        byField: r.missingImportant.byField,
        rows: r.missingImportant.rows.slice(0, SHOWN),
      },
      shown: SHOWN,
    },
  });
}) satisfies RequestHandler;
