import { isHttpError, isRedirect } from "@sveltejs/kit";
import { describe, expect, it } from "vitest";
import { enforceRoute, routeAccess } from "./guard.ts";
import { AREA_ROLES, canAccess, ROLES, type SessionUser } from "./types.ts";

const u = (role: SessionUser["role"], mustChangePassword = false): SessionUser => ({
  username: role,
  displayName: role,
  role,
  org: "acme",
  department: "",
  team: "",
  teams: [],
  agentId: "",
  mustChangePassword,
});

function outcome(fn: () => void): string {
  try {
    fn();
    return "ok";
  } catch (e) {
    if (isRedirect(e)) return `redirect ${e.location}`;
    if (isHttpError(e)) return `error ${e.status}`;
    throw e;
  }
}

describe("route guard", () => {
  it("maps route ids to areas, denying unknown (app) areas", () => {
    expect(routeAccess("/login")).toEqual({ kind: "public" });
    expect(routeAccess("/(app)")).toEqual({ kind: "signed-in" });
    expect(routeAccess("/(app)/wallboard/stream")).toEqual({ kind: "area", area: "wallboard" });
    expect(routeAccess("/(app)/reports/funnel")).toEqual({ kind: "area", area: "reports" });
    expect(routeAccess("/(app)/secret")).toEqual({ kind: "deny" });
  });

  it("sends anonymous visitors to sign in, and anonymous streams get 401", () => {
    expect(outcome(() => enforceRoute(null, "/(app)/wallboard", "/wallboard"))).toBe(
      "redirect /login?next=%2Fwallboard",
    );
    expect(outcome(() => enforceRoute(null, "/(app)/wallboard/stream", "/wallboard/stream"))).toBe(
      "error 401",
    );
  });

  it("lets each role into exactly its areas", () => {
    for (const role of ROLES) {
      for (const area of Object.keys(AREA_ROLES) as (keyof typeof AREA_ROLES)[]) {
        const expected = canAccess(role, area) ? "ok" : "error 403";
        expect(
          outcome(() => enforceRoute(u(role), `/(app)/${area}`, `/${area}`)),
          `${role} ${area}`,
        ).toBe(expected);
      }
    }
    expect(canAccess("agent", "wallboard")).toBe(false);
    expect(canAccess("agent", "console")).toBe(true);
    expect(canAccess("analyst", "sql")).toBe(true);
    expect(canAccess("supervisor", "admin")).toBe(false);
  });

  it("forces a password change before anything else", () => {
    expect(outcome(() => enforceRoute(u("admin", true), "/(app)/admin", "/admin"))).toBe(
      "redirect /account/password",
    );
    expect(
      outcome(() => enforceRoute(u("admin", true), "/(app)/account/password", "/account/password")),
    ).toBe("ok");
  });
});
