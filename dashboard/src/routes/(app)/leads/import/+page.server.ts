import { leadImport } from "@cc/pacing";
import { requireArea } from "#lib/server/auth/guard.ts";
import { recentImports } from "#lib/server/import-history.ts";
import { campaigns, maxUploadBytes } from "#lib/server/lead-import.ts";
import type { PageServerLoad } from "./$types";

/** The wizard's first step: which campaigns a list can go to, the upload limit, the lead fields; the org's recent imports. */
export const load = (async ({ locals }) => {
  const user = requireArea(locals, "leads");
  const c = campaigns();
  return {
    campaigns: c.dialing.map((x) => ({ id: x.id, name: x.name ?? x.id })),
    trialAvailable: c.trial !== null,
    maxMb: Math.round(maxUploadBytes() / 1048576),
    fields: [...leadImport.LEAD_FIELDS],
    recent: await recentImports(user.org),
  };
}) satisfies PageServerLoad;
