// Upload of a registry export (one number per line, or CSV): the request body is the file,
// streamed line by line into the list; the answer is the import report (JSON).
import { error, json } from "@sveltejs/kit";
import { requireArea } from "#lib/server/auth/guard.ts";
import { importFile, ListName } from "#lib/server/number-lists.ts";
import type { RequestHandler } from "./$types";

export const POST = (async ({ locals, request, url }) => {
  const user = requireArea(locals, "lists");
  const list = ListName.safeParse(url.searchParams.get("list"));
  if (!list.success) error(400, "list must be dnc or blacklist");
  if (!request.body) error(400, "empty upload");
  const name = (url.searchParams.get("name") ?? "upload.txt").slice(0, 300);
  return json(await importFile(user, list.data, name, request.body));
}) satisfies RequestHandler;
