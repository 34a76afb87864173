import { redirect } from "@sveltejs/kit";
import { requireArea } from "#lib/server/auth/guard.ts";
import type { PageServerLoad } from "./$types";

/** The leads area opens on the import wizard. */
export const load = (({ locals }) => {
  requireArea(locals, "leads");
  redirect(303, "/leads/import");
}) satisfies PageServerLoad;
