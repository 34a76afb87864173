import type { Redis } from "../redis.ts";
import type { SessionUser, Team } from "./types.ts";
import { listTeams, listUsers } from "./users.ts";

/**
 * What one person may see — the same shape as `VisibilityScope` in @cc/analytics reports:
 * `orgId` always applies; an absent list = no restriction on that axis, [] = nothing.
 * `agentIds` and `teamIds` form a union (an agent is visible when listed or on a listed team).
 * This is the single place visibility is decided; every query and live read goes through
 * `scopeFor` and the filters below.
 */
export interface Scope {
  orgId: string;
  agentIds?: string[];
  teamIds?: string[];
  campaignIds?: string[];
}

export interface Directory {
  teams: Team[];
  /** agent id → team id, from users linked to agents. */
  agentTeams: Map<string, string>;
}

/** Pure: who sees what, given the org's teams and agent links. */
export function computeScope(user: SessionUser, dir: Directory): Scope {
  const orgId = user.org;
  switch (user.role) {
    case "director":
    case "admin":
    case "analyst":
      return { orgId };
    case "agent":
      // Own calls and customers only; the agent axis alone restricts everything they see.
      return { orgId, agentIds: user.agentId ? [user.agentId] : [] };
    case "manager":
    case "supervisor": {
      const teamIds = new Set<string>();
      if (user.role === "manager") {
        for (const t of dir.teams) if (user.department && t.department === user.department) teamIds.add(t.id);
      } else {
        for (const t of user.teams) teamIds.add(t);
        if (user.team) teamIds.add(user.team);
      }
      const campaigns = new Set<string>();
      for (const t of dir.teams) if (teamIds.has(t.id)) for (const c of t.campaigns) campaigns.add(c);
      const agents: string[] = [];
      for (const [agent, team] of dir.agentTeams) if (teamIds.has(team)) agents.push(agent);
      return {
        orgId,
        agentIds: agents.sort(),
        teamIds: [...teamIds].sort(),
        campaignIds: [...campaigns].sort(),
      };
    }
  }
}

export async function loadDirectory(redis: Redis, org: string): Promise<Directory> {
  const [teams, users] = await Promise.all([listTeams(redis, org), listUsers(redis)]);
  const agentTeams = new Map<string, string>();
  for (const u of users) if (u.org === org && u.agentId && u.team) agentTeams.set(u.agentId, u.team);
  return { teams, agentTeams };
}

export async function scopeFor(redis: Redis, user: SessionUser): Promise<Scope> {
  if (user.role === "director" || user.role === "admin" || user.role === "analyst" || user.role === "agent") {
    return computeScope(user, { teams: [], agentTeams: new Map() });
  }
  return computeScope(user, await loadDirectory(redis, user.org));
}

export interface SqlFilter {
  /** A boolean SQL expression with bound parameters only, e.g. `org_id = {scope_org:String} AND …`. */
  sql: string;
  params: Record<string, unknown>;
}

/**
 * ClickHouse filter for a scope. Columns are names chosen by the caller's query (not user input).
 * `agent` filters rows by agent; `campaign` by campaign. Omit a column to skip that axis.
 */
export function clickhouseFilter(
  scope: Scope,
  columns: { org?: string; agent?: string; campaign?: string } = { org: "org_id" },
): SqlFilter {
  const parts: string[] = [];
  const params: Record<string, unknown> = {};
  const ident = /^[A-Za-z_][A-Za-z0-9_.]*$/;
  for (const c of Object.values(columns)) if (c && !ident.test(c)) throw new Error(`bad column name ${c}`);
  if (columns.org) {
    parts.push(`${columns.org} = {scope_org:String}`);
    params.scope_org = scope.orgId;
  }
  if (columns.agent && (scope.agentIds !== undefined || scope.teamIds !== undefined)) {
    // Team membership is resolved into agent ids by scopeFor (from the user directory).
    parts.push(`${columns.agent} IN {scope_agents:Array(String)}`);
    params.scope_agents = scope.agentIds ?? [];
  }
  if (columns.campaign && scope.campaignIds !== undefined) {
    parts.push(`${columns.campaign} IN {scope_campaigns:Array(String)}`);
    params.scope_campaigns = scope.campaignIds;
  }
  return { sql: parts.length ? parts.join(" AND ") : "1", params };
}

/** Whether one live agent (with its current team) is visible. */
export function agentVisible(scope: Scope, agentId: string, team: string | undefined): boolean {
  if (scope.agentIds === undefined && scope.teamIds === undefined) return true;
  if (scope.agentIds?.includes(agentId)) return true;
  return team !== undefined && team !== "" && (scope.teamIds?.includes(team) ?? false);
}

export function campaignVisible(scope: Scope, campaign: string): boolean {
  return scope.campaignIds === undefined || scope.campaignIds.includes(campaign);
}
