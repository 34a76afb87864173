import { json } from "@sveltejs/kit";
import { currentCustomer } from "#lib/server/agent-console.ts";
import { requireArea } from "#lib/server/auth/guard.ts";
import type { RequestHandler } from "./$types";

/** Screen pop of the agent's current call (never any other lead). */
export const GET: RequestHandler = async ({ locals }) => {
  const user = requireArea(locals, "console");
  return json(await currentCustomer(user), { headers: { "cache-control": "no-store" } });
};
