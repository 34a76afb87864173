import { describe, expect, it } from "vitest";
import { agentVisible, campaignVisible, clickhouseFilter, computeScope, type Directory } from "./scope.ts";
import type { SessionUser } from "./types.ts";

const dir: Directory = {
  teams: [
    { id: "t1", org: "acme", name: "一组", department: "sales", campaigns: ["spring"] },
    { id: "t2", org: "acme", name: "二组", department: "sales", campaigns: ["autumn"] },
    { id: "t3", org: "acme", name: "三组", department: "service", campaigns: ["care"] },
  ],
  agentTeams: new Map([
    ["a1", "t1"],
    ["a2", "t2"],
    ["a3", "t3"],
  ]),
};

function user(p: Partial<SessionUser>): SessionUser {
  return {
    username: "u",
    displayName: "u",
    role: "agent",
    org: "acme",
    department: "",
    team: "",
    teams: [],
    agentId: "",
    mustChangePassword: false,
    ...p,
  };
}

describe("scopeFor / computeScope", () => {
  it("an agent sees only their own calls", () => {
    const s = computeScope(user({ role: "agent", agentId: "a1", team: "t1" }), dir);
    expect(s).toEqual({ orgId: "acme", agentIds: ["a1"] });
    expect(agentVisible(s, "a1", "t1")).toBe(true);
    expect(agentVisible(s, "a2", "t1")).toBe(false);
  });

  it("an agent without an agent id sees nothing", () => {
    const s = computeScope(user({ role: "agent" }), dir);
    expect(s.agentIds).toEqual([]);
    expect(agentVisible(s, "a1", "t1")).toBe(false);
  });

  it("a manager sees the department's teams, agents and campaigns", () => {
    const s = computeScope(user({ role: "manager", department: "sales" }), dir);
    expect(s).toEqual({
      orgId: "acme",
      agentIds: ["a1", "a2"],
      teamIds: ["t1", "t2"],
      campaignIds: ["autumn", "spring"],
    });
    expect(agentVisible(s, "a3", "t3")).toBe(false);
    expect(agentVisible(s, "new-agent", "t2")).toBe(true);
    expect(campaignVisible(s, "care")).toBe(false);
  });

  it("a supervisor sees own and supervised teams only", () => {
    const s = computeScope(user({ role: "supervisor", team: "t1", teams: ["t3"] }), dir);
    expect(s.teamIds).toEqual(["t1", "t3"]);
    expect(s.agentIds).toEqual(["a1", "a3"]);
    expect(s.campaignIds).toEqual(["care", "spring"]);
  });

  it("a manager without a department sees nothing", () => {
    const s = computeScope(user({ role: "manager" }), dir);
    expect(s).toEqual({ orgId: "acme", agentIds: [], teamIds: [], campaignIds: [] });
  });

  it("directors, admins and analysts see the whole org", () => {
    for (const role of ["director", "admin", "analyst"] as const) {
      const s = computeScope(user({ role }), dir);
      expect(s).toEqual({ orgId: "acme" });
      expect(agentVisible(s, "zz", "")).toBe(true);
    }
  });
});

describe("clickhouseFilter", () => {
  it("binds org, agents and campaigns as parameters", () => {
    const f = clickhouseFilter(
      { orgId: "acme", agentIds: ["a1"], campaignIds: ["spring"] },
      { org: "org_id", agent: "agent_id", campaign: "campaign_id" },
    );
    expect(f.sql).toBe(
      "org_id = {scope_org:String} AND agent_id IN {scope_agents:Array(String)} AND campaign_id IN {scope_campaigns:Array(String)}",
    );
    expect(f.params).toEqual({ scope_org: "acme", scope_agents: ["a1"], scope_campaigns: ["spring"] });
  });

  it("adds no agent or campaign condition for an unrestricted scope", () => {
    const f = clickhouseFilter(
      { orgId: "acme" },
      { org: "org_id", agent: "agent_id", campaign: "campaign_id" },
    );
    expect(f.sql).toBe("org_id = {scope_org:String}");
  });

  it("refuses column names that are not plain identifiers", () => {
    expect(() => clickhouseFilter({ orgId: "x" }, { org: "org_id; DROP TABLE events" })).toThrow(
      /bad column/,
    );
  });
});
