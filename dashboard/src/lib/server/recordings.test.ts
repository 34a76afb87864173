import { describe, expect, it } from "vitest";
import type { Scope } from "./auth/scope.ts";
import type { Role, SessionUser } from "./auth/types.ts";
import { byteRange, mayHear } from "./recordings.ts";

const user = (role: Role, agentId = ""): SessionUser => ({
  username: `${role}-user`,
  displayName: role,
  role,
  org: "demo",
  department: "",
  team: "t1",
  teams: [],
  agentId,
  mustChangePassword: false,
});
const all: Scope = { orgId: "demo" };
const team: Scope = { orgId: "demo", agentIds: ["a1", "a2"], teamIds: ["t1"] };

describe("who may hear a recording", () => {
  it("agents their own calls, supervisors their team's agents, directors and admins all, analysts none", () => {
    expect(mayHear(user("agent", "a1"), { orgId: "demo", agentIds: ["a1"] }, "a1")).toEqual({
      allowed: true,
      reason: "own_call",
    });
    expect(mayHear(user("agent", "a1"), { orgId: "demo", agentIds: ["a1"] }, "b1")).toEqual({
      allowed: false,
      reason: "not_in_scope",
    });
    expect(mayHear(user("agent"), { orgId: "demo", agentIds: [] }, "")).toEqual({
      allowed: false,
      reason: "not_in_scope",
    });
    expect(mayHear(user("supervisor"), team, "a2")).toEqual({ allowed: true, reason: "team_call" });
    expect(mayHear(user("supervisor"), team, "b1")).toEqual({ allowed: false, reason: "not_in_scope" });
    expect(mayHear(user("manager"), { orgId: "demo", agentIds: [], teamIds: [] }, "a1").allowed).toBe(false);
    expect(mayHear(user("director"), all, "b1")).toEqual({ allowed: true, reason: "all_calls" });
    expect(mayHear(user("admin"), all, "b1")).toEqual({ allowed: true, reason: "all_calls" });
    expect(mayHear(user("analyst"), all, "b1")).toEqual({ allowed: false, reason: "not_in_scope" });
  });
});

describe("Range requests", () => {
  it("parses first-last, open-ended and suffix ranges, and refuses unsatisfiable ones", () => {
    expect(byteRange(null, 1000)).toBeNull();
    expect(byteRange("bytes=0-", 1000)).toEqual({ start: 0, end: 999 });
    expect(byteRange("bytes=100-199", 1000)).toEqual({ start: 100, end: 199 });
    expect(byteRange("bytes=900-5000", 1000)).toEqual({ start: 900, end: 999 });
    expect(byteRange("bytes=-100", 1000)).toEqual({ start: 900, end: 999 });
    expect(byteRange("bytes=1000-", 1000)).toBe("bad");
    expect(byteRange("bytes=5-1", 1000)).toBe("bad");
    expect(byteRange("bytes=0-1,5-6", 1000)).toBe("bad");
    expect(byteRange("items=0-1", 1000)).toBe("bad");
  });
});
