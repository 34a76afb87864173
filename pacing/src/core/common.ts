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

/** Trunk channels the campaign holds now (the snapshot's count, else unconnected + agents on calls). */
export function channelsInUse(s: PacingSnapshot): number {
  if (s.channelsInUse !== undefined) return s.channelsInUse;
  let bridged = 0;
  for (const a of s.agents) if (a.state === "on_call" || a.state === "reserved") bridged++;
  return s.attempts.length + bridged;
}

export interface LineCap {
  /** Launches allowed now. */
  lines: number;
  /** Which bound gave `lines`: the operator's ceiling, the trunk, or the live answer rate. */
  limitedBy: "lines" | "trunk" | "live_rate";
}

/**
 * Lines the campaign may still open:
 * - live rate (when `pLiveUpper` is given): expected live answers of the unconnected attempts stay
 *   ≤ `livePerAgent` × active agents at an upper bound of the live answer probability per attempt,
 *   i.e. ⌊livePerAgent·agents / pLiveUpper⌋ attempts: ≈ 2.5 per agent at 40 % live, ≈ 12 at 8 %. More
 *   live answers in flight than agents could only be abandoned (agents free up ≈ 10 % of a ring
 *   time apart), so this bound costs nothing when the estimate is right and caps runaway dialing
 *   when it is not;
 * - the operator's ceiling `maxLinesPerAgent` × active agents;
 * - the trunk: channels in use + launches ≤ `trunkChannels`.
 */
export function lineCap(
  s: PacingSnapshot,
  activeAgents: number,
  pLiveUpper?: number,
  livePerAgent = 1,
): LineCap {
  const n = s.attempts.length;
  let lines = Math.max(0, Math.floor(s.campaign.maxLinesPerAgent * activeAgents) - n);
  let limitedBy: LineCap["limitedBy"] = "lines";
  if (pLiveUpper !== undefined && pLiveUpper > 0) {
    const byRate = Math.max(0, Math.floor((livePerAgent * activeAgents) / Math.min(1, pLiveUpper)) - n);
    if (byRate < lines) {
      lines = byRate;
      limitedBy = "live_rate";
    }
  }
  if (s.campaign.trunkChannels !== undefined) {
    const byTrunk = Math.max(0, Math.floor(s.campaign.trunkChannels) - channelsInUse(s));
    if (byTrunk < lines) {
      lines = byTrunk;
      limitedBy = "trunk";
    }
  }
  return { lines, limitedBy };
}

/** Lines the campaign may still open for the baselines: the operator's ceiling and the trunk. */
export function freeLines(s: PacingSnapshot, activeAgents: number): number {
  return lineCap(s, activeAgents).lines;
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
