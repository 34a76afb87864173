import { requireArea } from "#lib/server/auth/guard.ts";
import { scopeFor } from "#lib/server/auth/scope.ts";
import { log } from "#lib/server/log.ts";
import { listRecordings, RecordingFilters } from "#lib/server/recordings.ts";
import { redis } from "#lib/server/redis.ts";
import type { PageServerLoad } from "./$types";

/** The recordings the viewer may hear (their scope decides), with agent, campaign and date filters. */
export const load = (async ({ locals, url }) => {
  const user = requireArea(locals, "recordings");
  const parsed = RecordingFilters.safeParse(Object.fromEntries(url.searchParams));
  const filters = parsed.success ? parsed.data : {};
  const shown = {
    agent: filters.agent ?? "",
    campaign: filters.campaign ?? "",
    from: filters.from ?? "",
    to: filters.to ?? "",
  };
  try {
    const rows = await listRecordings(await scopeFor(await redis(), user), filters);
    return { rows, filters: shown, invalid: !parsed.success, failed: false };
  } catch (err) {
    log.error({ err }, "recordings list failed");
    return { rows: [], filters: shown, invalid: !parsed.success, failed: true };
  }
}) satisfies PageServerLoad;
