import { error, json } from "@sveltejs/kit";
import { requireArea } from "#lib/server/auth/guard.ts";
import { jobFor, startTrial, TrialRequest, UploadError } from "#lib/server/lead-import.ts";
import type { RequestHandler } from "./$types";

/** Starts a trial dial of a sample of the import's campaign's numbers; the job's GET shows progress. */
export const POST = (async ({ locals, params, request }) => {
  const user = requireArea(locals, "leads");
  const job = jobFor(params.id, user.org);
  if (!job) error(404, "no such import");
  const parsed = TrialRequest.safeParse((await request.json().catch(() => ({}))) ?? {});
  if (!parsed.success)
    error(400, parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
  try {
    await startTrial(job, parsed.data);
    return json({ ok: true, trial: job.trial });
  } catch (err) {
    if (err instanceof UploadError) error(err.status, err.message);
    throw err;
  }
}) satisfies RequestHandler;
