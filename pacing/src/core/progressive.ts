// Preview and progressive pacing: calls follow free agents, never ahead of them.
import { budgetLeft, campaignAgents, countStates, emptyDecision, freeLines } from "./common.ts";
import type { PacingAlgorithm, PacingSnapshot } from "./types.ts";

function pLive(s: PacingSnapshot): number {
  return s.estimates.pAnswer * s.estimates.pLiveGivenAnswer;
}

/** Progressive (power) dialing: ratio × ready agents minus the attempts already working for them. */
export function progressive(ratio?: number): PacingAlgorithm<null> {
  const name = ratio === undefined ? "progressive" : `progressive-${ratio}:1`;
  return {
    name,
    initial: () => null,
    decide(s) {
      const agents = campaignAgents(s);
      if (agents.length === 0) return { decision: emptyDecision(name, "no_agents", s), state: null };
      const c = countStates(agents);
      const r = ratio ?? s.campaign.progressiveRatio;
      const want = Math.floor(r * c.ready + 1e-9) - s.attempts.length;
      const lines = freeLines(s, agents.length);
      const launch = Math.max(0, Math.min(want, lines));
      return {
        decision: {
          launch,
          perLaunchAbandon: new Array(launch).fill(0),
          explanation: {
            algorithm: name,
            expectedAgentsFree: c.ready,
            expectedLiveAnswers: (s.attempts.length + launch) * pLive(s),
            predictedAbandonProbability: 0,
            abandonBudgetLeft: budgetLeft(s),
            limitedBy: want > lines ? "lines" : "ready_agents",
            details: { ratio: r, ready: c.ready, in_flight: s.attempts.length },
          },
        },
        state: null,
      };
    },
  };
}

/** Preview: one call per ready agent who has had the customer card for previewSeconds. */
export function preview(): PacingAlgorithm<null> {
  const name = "preview";
  return {
    name,
    initial: () => null,
    decide(s) {
      const agents = campaignAgents(s);
      const readyDone = agents.filter(
        (a) => a.state === "ready" && a.secondsInState >= s.campaign.previewSeconds,
      ).length;
      // The media service reserves a preview call's agent at dial: their attempt is already theirs
      // and must not also hold back another ready agent's call.
      const reserved = countStates(agents).reserved;
      const unheld = Math.max(0, s.attempts.length - reserved);
      const launch = Math.max(0, Math.min(readyDone - unheld, freeLines(s, agents.length)));
      const d = emptyDecision(name, "agent_preview", s);
      return {
        decision: {
          ...d,
          launch,
          perLaunchAbandon: new Array(launch).fill(0),
          explanation: {
            ...d.explanation,
            expectedAgentsFree: readyDone,
            details: { preview_s: s.campaign.previewSeconds },
          },
        },
        state: null,
      };
    },
  };
}
