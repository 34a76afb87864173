import { readFileSync } from "node:fs";
import { type ReportSql, VisibilityScope } from "@cc/analytics";

/** Reads a .sql file next to the caller (fixed text; every value is a bound parameter). */
export function sqlFile(base: string | URL, name: string): string {
  return readFileSync(new URL(name, base), "utf8");
}

/**
 * The visibility parameters every pipeline query binds: the org always; `restricted` = 0 when
 * the viewer sees the whole org, else rows of listed agents or of agents on listed teams.
 * Same shape as the dashboard's `scopeFor(user)` (agent own, manager team, director all).
 */
export function scopeParams(input: VisibilityScope): Record<string, unknown> {
  const scope = VisibilityScope.parse(input);
  const restricted = scope.agentIds !== undefined || scope.teamIds !== undefined;
  return {
    scope_org: scope.orgId,
    restricted: restricted ? 1 : 0,
    scope_agents: scope.agentIds ?? [],
    scope_teams: scope.teamIds ?? [],
  };
}

export type { ReportSql };
