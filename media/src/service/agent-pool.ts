// Which agents can take a live answer now: ready (as the agents' own events say), with a phone on
// the switch, not already holding one of our calls, and fit for the campaign (its campaign or
// none, the campaign's skill). Longest idle first. The pool learns states from agent events and
// the media service's own reservations, so a human answer never waits on a round trip.
import type { CallCenterEvent } from "@cc/ingest";

export interface PoolAgent {
  agentId: string;
  state: string;
  /** Epoch ms the current state began (idle time for ready agents). */
  since: number;
  stateTs: number;
  campaign: string;
  team: string;
  skills: string[];
  phone: boolean;
  /** Attempt this service has put the agent on (reserved, talking or wrapping up). */
  attempt: string | null;
}

export type OwnState = "reserved" | "on_call" | "wrap_up" | "ready" | "paused";

export interface CallNeeds {
  campaignId: string;
  skill?: string;
}

export class AgentPool {
  readonly #agents = new Map<string, PoolAgent>();

  get(agentId: string): PoolAgent | undefined {
    return this.#agents.get(agentId);
  }

  all(): PoolAgent[] {
    return [...this.#agents.values()];
  }

  #agent(agentId: string): PoolAgent {
    let a = this.#agents.get(agentId);
    if (!a) {
      a = {
        agentId,
        state: "logged_out",
        since: 0,
        stateTs: 0,
        campaign: "",
        team: "",
        skills: [],
        phone: false,
        attempt: null,
      };
      this.#agents.set(agentId, a);
    }
    return a;
  }

  /** Seeds an agent from the live picture (Redis) at start. */
  seed(a: Omit<PoolAgent, "phone" | "attempt" | "stateTs">): void {
    const cur = this.#agent(a.agentId);
    Object.assign(cur, a, { stateTs: a.since });
  }

  /** Applies an agent event; older state changes than the one held are ignored. */
  apply(e: CallCenterEvent): void {
    if (!e.kind.startsWith("agent.") || !("agent_id" in e) || !e.agent_id) return;
    const a = this.#agent(e.agent_id);
    const ts = Date.parse(e.occurred_at);
    switch (e.kind) {
      case "agent.login":
        a.team = e.team_id;
        a.skills = e.skills.map((s) => s.skill);
        a.campaign = e.campaign_id ?? "";
        if (ts >= a.stateTs) this.#state(a, "paused", ts);
        return;
      case "agent.logout":
        if (ts >= a.stateTs) this.#state(a, "logged_out", ts);
        return;
      case "agent.state_changed":
        if (e.campaign_id) a.campaign = e.campaign_id;
        if (e.team_id) a.team = e.team_id;
        if (ts >= a.stateTs) this.#state(a, e.state, ts);
        return;
      case "agent.skills_changed":
        a.skills = e.skills.map((s) => s.skill);
        return;
      default:
        return;
    }
  }

  #state(a: PoolAgent, state: string, ts: number): void {
    a.state = state;
    a.since = ts;
    a.stateTs = ts;
    // Back to ready or away after wrap-up: our hold on the agent is over.
    if (state === "ready" || state === "paused" || state === "logged_out") a.attempt = null;
  }

  setPhone(agentId: string, connected: boolean): void {
    this.#agent(agentId).phone = connected;
  }

  fits(a: PoolAgent, needs: CallNeeds): boolean {
    return (
      a.state === "ready" &&
      a.phone &&
      a.attempt === null &&
      (a.campaign === "" || a.campaign === needs.campaignId) &&
      (!needs.skill || a.skills.includes(needs.skill))
    );
  }

  /**
   * Claims the longest-idle fitting agent for an attempt (locally, at once, so no other call can
   * take them); the caller then moves them to "reserved".
   */
  claim(needs: CallNeeds, attemptId: string): PoolAgent | null {
    let best: PoolAgent | null = null;
    for (const a of this.#agents.values())
      if (this.fits(a, needs) && (!best || a.since < best.since)) best = a;
    if (best) best.attempt = attemptId;
    return best;
  }

  /**
   * Claims one named agent for an attempt (the agent a lead was taken for), when they fit;
   * null when they are no longer available and the caller falls back to `claim`.
   */
  claimAgent(agentId: string, needs: CallNeeds, attemptId: string): PoolAgent | null {
    const a = this.#agents.get(agentId);
    if (!a || !this.fits(a, needs)) return null;
    a.attempt = attemptId;
    return a;
  }

  /** Whether the agent is still held for this attempt (their own ready/pause/logout ends it). */
  holds(agentId: string, attemptId: string): boolean {
    const a = this.#agents.get(agentId);
    return a !== undefined && a.attempt === attemptId && a.phone;
  }

  /**
   * Our own state change for an agent (the event we publish says the same); returns the state
   * left and the seconds spent in it, for that event.
   */
  mark(agentId: string, state: OwnState, now = Date.now()): { previous: string; previousS: number } {
    const a = this.#agent(agentId);
    const left = { previous: a.state, previousS: a.since ? Math.max(0, (now - a.since) / 1000) : 0 };
    a.state = state;
    a.since = now;
    a.stateTs = Math.max(a.stateTs, now);
    if (state === "ready" || state === "paused") a.attempt = null;
    return left;
  }
}
