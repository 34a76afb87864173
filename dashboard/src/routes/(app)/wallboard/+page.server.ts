import { requireArea } from "#lib/server/auth/guard.ts";
import { scopeFor } from "#lib/server/auth/scope.ts";
import { redis } from "#lib/server/redis.ts";
import { snapshotFor } from "#lib/server/wallboard/snapshot.ts";
import { wallboard } from "#lib/server/wallboard/ticker.ts";
import type { PageServerLoad } from "./$types";

export const load = (async ({ locals }) => {
  const user = requireArea(locals, "wallboard");
  const scope = await scopeFor(await redis(), user);
  return { snapshot: snapshotFor(await wallboard.picture(scope.orgId), scope) };
}) satisfies PageServerLoad;
