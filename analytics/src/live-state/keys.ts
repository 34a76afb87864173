/** Redis key layout of the live picture; documented in README.md (the pacing service reads it too). */
export const LIVE_PREFIX = "cc:live";

export const liveKeys = {
  orgs: () => `${LIVE_PREFIX}:orgs`,
  agents: (org: string) => `${LIVE_PREFIX}:agents:${org}`,
  agent: (org: string, agent: string) => `${LIVE_PREFIX}:agent:${org}:${agent}`,
  campaigns: (org: string) => `${LIVE_PREFIX}:campaigns:${org}`,
  calls: (org: string, campaign: string) => `${LIVE_PREFIX}:calls:${org}:${campaign}`,
  callDone: (org: string, attempt: string) => `${LIVE_PREFIX}:call-done:${org}:${attempt}`,
  pacing: (org: string, campaign: string) => `${LIVE_PREFIX}:pacing:${org}:${campaign}`,
  /** Pub/sub channel: one message per agent change, JSON {type:"agent", agent_id, state}. */
  changed: (org: string) => `${LIVE_PREFIX}:changed:${org}`,
};

/** Stage of a call in flight, in lifecycle order (a later stage never goes back). */
export const CALL_STAGES = ["created", "dialing", "ringing", "machine", "waiting", "talking"] as const;
export type CallStage = (typeof CALL_STAGES)[number];
export const CALL_STAGE_RANK: Record<CallStage, number> = {
  created: 1,
  dialing: 2,
  ringing: 3,
  machine: 4,
  waiting: 4,
  talking: 5,
};
