import type { AgentSnapshot, PacingSnapshot } from "./types.ts";

/** Agents that count for this campaign: logged in, not paused, with the campaign's skill. */
export function campaignAgents(s: PacingSnapshot): AgentSnapshot[] {
  const skill = s.campaign.skill;
  return s.agents.filter(
    (a) => a.state !== "logged_out" && a.state !== "paused" && (!skill || a.skills.includes(skill)),
  );
}

export function countStates(agents: readonly AgentSnapshot[]): Record<AgentSnapshot["state"], number> {
  const c = { ready: 0, reserved: 0, on_call: 0, wrap_up: 0, paused: 0, logged_out: 0 };
  for (const a of agents) c[a.state] += 1;
  return c;
}

/** Lines the campaign may still open: maxLinesPerAgent × active agents − unconnected attempts. */
export function freeLines(s: PacingSnapshot, activeAgents: number): number {
  return Math.max(0, Math.floor(s.campaign.maxLinesPerAgent * activeAgents) - s.attempts.length);
}

/** Abandons still allowed by the tightest compliance period before its cap (can be negative). */
export function budgetLeft(s: PacingSnapshot): number {
  let left = Number.POSITIVE_INFINITY;
  for (const p of s.periods) {
    if (p.windowS < 3600) continue; // short windows are statistics, not compliance periods
    left = Math.min(left, p.cap * p.liveAnswers - p.abandons);
  }
  return Number.isFinite(left) ? left : 0;
}

export function emptyDecision(algorithm: string, limitedBy: string, s: PacingSnapshot) {
  return {
    launch: 0,
    perLaunchAbandon: [] as number[],
    explanation: {
      algorithm,
      expectedAgentsFree: 0,
      expectedLiveAnswers: 0,
      predictedAbandonProbability: 0,
      abandonBudgetLeft: budgetLeft(s),
      limitedBy,
      details: {},
    },
  };
}
