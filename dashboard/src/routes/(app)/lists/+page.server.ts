import { redirect } from "@sveltejs/kit";
import { requireArea } from "#lib/server/auth/guard.ts";
import type { PageServerLoad } from "./$types";

/** The lists area opens on the DNC list. */
export const load = (({ locals }) => {
  requireArea(locals, "lists");
  redirect(303, "/lists/dnc");
}) satisfies PageServerLoad;
