import { readFile } from "node:fs/promises";
import { error } from "@sveltejs/kit";
import { requireArea } from "#lib/server/auth/guard.ts";
import { filePath } from "#lib/server/report-exports.ts";
import type { RequestHandler } from "./$types";

/** A scheduled report file: only its owner's directory is ever read. */
export const GET: RequestHandler = async ({ locals, params }) => {
  const user = requireArea(locals, "sales");
  const file = filePath(user, params.name);
  if (!file) error(404, "not found");
  const body = await readFile(file).catch(() => null);
  if (!body) error(404, "not found");
  const type = params.name.endsWith(".csv")
    ? "text/csv; charset=utf-8"
    : "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
  return new Response(new Uint8Array(body), {
    headers: { "content-type": type, "content-disposition": `attachment; filename="${params.name}"` },
  });
};
