import { error, json } from "@sveltejs/kit";
import { requireArea } from "#lib/server/auth/guard.ts";
import { RunRequest, startImport, UploadError } from "#lib/server/lead-import.ts";
import type { RequestHandler } from "./$types";

/** Starts the import of an uploaded file with the chosen campaign and column mapping. */
export const POST = (async ({ locals, request }) => {
  const user = requireArea(locals, "leads");
  const parsed = RunRequest.safeParse(await request.json().catch(() => null));
  if (!parsed.success)
    error(400, parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
  try {
    return json({ jobId: await startImport(parsed.data, { org: user.org, user: user.username }) });
  } catch (err) {
    if (err instanceof UploadError) error(err.status, err.message);
    throw err;
  }
}) satisfies RequestHandler;
