import { requireArea } from "#lib/server/auth/guard.ts";
import type { PageServerLoad } from "./$types";

export const load = (({ locals }) => {
  requireArea(locals, "reports");
  return {};
}) satisfies PageServerLoad;
