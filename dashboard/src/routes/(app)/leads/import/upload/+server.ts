import { error, json } from "@sveltejs/kit";
import { requireArea } from "#lib/server/auth/guard.ts";
import { receiveUpload, UploadError } from "#lib/server/lead-import.ts";
import type { RequestHandler } from "./$types";

/** The file as the request body (streamed to a temp file), its name in `?name=`; answers the preview. */
export const POST = (async ({ locals, request, url }) => {
  const user = requireArea(locals, "leads");
  const declared = Number(request.headers.get("content-length") ?? 0);
  try {
    const r = await receiveUpload(request.body, url.searchParams.get("name") ?? "upload.csv", {
      org: user.org,
      user: user.username,
    });
    return json({ ...r, declaredBytes: declared });
  } catch (err) {
    if (err instanceof UploadError) error(err.status, err.message);
    throw err;
  }
}) satisfies RequestHandler;
