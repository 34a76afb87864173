import { json } from "@sveltejs/kit";
import { checkHealth } from "#lib/server/health.ts";
import type { RequestHandler } from "./$types";

/** Unauthenticated liveness + dependency check (no data in the answer). */
export const GET: RequestHandler = async () => {
  const h = await checkHealth();
  return json(h, { status: h.ok ? 200 : 503, headers: { "cache-control": "no-store" } });
};
