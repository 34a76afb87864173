import { error, redirect } from "@sveltejs/kit";
import { routeAccess } from "#lib/server/auth/guard.ts";
import { AREAS, canAccess } from "#lib/server/auth/types.ts";
import type { LayoutServerLoad } from "./$types";

/** Auth guard for the whole (app) group (hooks.server.ts enforces the same rule for endpoints). */
export const load = (({ locals, route, url }) => {
  const user = locals.user;
  if (!user) redirect(303, `/login?next=${encodeURIComponent(url.pathname)}`);
  const access = routeAccess(route.id);
  if (access.kind === "deny" || (access.kind === "area" && !canAccess(user.role, access.area))) {
    error(403, "forbidden");
  }
  return { areas: AREAS.filter((a) => canAccess(user.role, a)) };
}) satisfies LayoutServerLoad;
