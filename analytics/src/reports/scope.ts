import { EntityId } from "@cc/ingest";
import { z } from "zod";

/**
 * What a viewer may see. `orgId` is always enforced. Each optional list narrows the view:
 * absent = no restriction on that dimension, [] = nothing on it. `agentIds` and `teamIds`
 * are a union (an agent is visible when listed or when on a listed team). The dashboard's
 * `scopeFor(user)` produces this shape; reports accept the plain object.
 */
export const VisibilityScope = z.object({
  orgId: EntityId,
  agentIds: z.array(EntityId).max(100_000).optional(),
  teamIds: z.array(EntityId).max(10_000).optional(),
  campaignIds: z.array(EntityId).max(10_000).optional(),
});
export type VisibilityScope = z.infer<typeof VisibilityScope>;

export interface ScopeSql {
  params: Record<string, unknown>;
  /** True when the viewer sees only some agents (own calls, own team/department). */
  agentRestricted: boolean;
  campaignRestricted: boolean;
}

export function scopeSql(input: VisibilityScope): ScopeSql {
  const scope = VisibilityScope.parse(input);
  const agentRestricted = scope.agentIds !== undefined || scope.teamIds !== undefined;
  const campaignRestricted = scope.campaignIds !== undefined;
  return {
    agentRestricted,
    campaignRestricted,
    params: {
      scope_org: scope.orgId,
      scope_agents: scope.agentIds ?? [],
      scope_teams: scope.teamIds ?? [],
      scope_campaigns: scope.campaignIds ?? [],
    },
  };
}

/** Agents on the viewer's teams, by each agent's latest known team. Values are bound. */
const TEAM_AGENTS = `(SELECT agent_id FROM (SELECT agent_id, argMax(team_id, seen_at) AS team_id
      FROM report_agent_teams WHERE org_id = {scope_org:String} GROUP BY agent_id)
    WHERE team_id IN {scope_teams:Array(String)})`;

/** SQL predicate "column holds a visible agent" (column is a fixed identifier chosen by code). */
export function visibleAgentPredicate(column: "agent_id" | "h.agent_id"): string {
  return `(${column} IN {scope_agents:Array(String)} OR ${column} IN ${TEAM_AGENTS})`;
}

/**
 * Leads the viewer may see: leads dialed in a visible campaign, or handled by a visible
 * agent (a union: a manager sees the department's campaigns plus whatever the department's
 * agents worked on). Used as `lead_id IN (...)` only when the scope is restricted.
 */
export function visibleLeadsSubquery(
  s: ScopeSql,
  table: "report_lead_events" | "report_lead_steps" = "report_lead_events",
): string | null {
  if (!s.agentRestricted && !s.campaignRestricted) return null;
  const alternatives: string[] = [];
  if (s.campaignRestricted) {
    alternatives.push("(kind = 'call.attempt_created' AND campaign_id IN {scope_campaigns:Array(String)})");
  }
  if (s.agentRestricted) alternatives.push(`(agent_id != '' AND ${visibleAgentPredicate("agent_id")})`);
  // report_lead_steps keys leads by cityHash64(lead_id), report_lead_events by lead_id.
  const lead = table === "report_lead_steps" ? "lead_hash" : "lead_id";
  return `(SELECT ${lead} FROM ${table} WHERE org_id = {scope_org:String} AND (${alternatives.join(" OR ")}))`;
}
