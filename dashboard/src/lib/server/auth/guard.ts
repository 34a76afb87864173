import { error, redirect } from "@sveltejs/kit";
import { AREAS, type Area, canAccess, type SessionUser } from "./types.ts";

/** Routes under (app) that any signed-in person may open. */
const OPEN_SEGMENTS = new Set(["", "account"]);

export type RouteAccess =
  | { kind: "public" }
  | { kind: "signed-in" }
  | { kind: "area"; area: Area }
  | { kind: "deny" };

/**
 * Which rule applies to a route id. Everything in the `(app)` group needs a session; its
 * first segment names the area (console, wallboard, reports, sql, admin). An (app) route
 * outside any known area is denied, so a new page is closed until it is given an area.
 */
export function routeAccess(routeId: string | null): RouteAccess {
  if (!routeId?.startsWith("/(app)")) return { kind: "public" };
  const segment = routeId.slice("/(app)".length).split("/")[1] ?? "";
  if (OPEN_SEGMENTS.has(segment)) return { kind: "signed-in" };
  if ((AREAS as string[]).includes(segment)) return { kind: "area", area: segment as Area };
  return { kind: "deny" };
}

/** Throws the right redirect / 403 unless `user` may open the route. */
export function enforceRoute(user: SessionUser | null, routeId: string | null, pathname: string): void {
  const access = routeAccess(routeId);
  if (access.kind === "public") return;
  if (!user) {
    if (pathname.includes("/stream") || pathname.startsWith("/api/")) error(401, "sign in first");
    redirect(303, `/login?next=${encodeURIComponent(pathname)}`);
  }
  if (user.mustChangePassword && routeId !== "/(app)/account/password") {
    redirect(303, "/account/password");
  }
  if (access.kind === "deny") error(403, "forbidden");
  if (access.kind === "area" && !canAccess(user.role, access.area)) error(403, "forbidden");
}

/** For load functions and endpoints: the signed-in user, who must have access to `area`. */
export function requireArea(locals: App.Locals, area: Area): SessionUser {
  const user = locals.user;
  if (!user) error(401, "sign in first");
  if (!canAccess(user.role, area)) error(403, "forbidden");
  return user;
}
