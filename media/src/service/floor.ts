// The floor: what happens to a call once it is placed. Call-control events become contract
// events; a live answer goes to the longest-idle fitting agent, or waits up to the campaign's
// grace time for one to free up and then hears the abandon message (the 2-second rule, measured
// from the end of the greeting, i.e. the human verdict); machines and fax are handled by campaign
// rule; agents move reserved → on_call → wrap_up with events, and are freed by their own
// ready/pause after the disposition.
import { AgentState, type DialCommand, type EventFields } from "@cc/ingest";
import type { CallControlEvent, CampaignConfig, FailureCause } from "@cc/pacing";
import type { Logger } from "pino";
import type { SipCallControl } from "../sip/call-control.ts";
import type { AgentPool, OwnState, PoolAgent } from "./agent-pool.ts";
import type { InFlightJournal, JournalEntry } from "./journal.ts";

interface FloorAttempt {
  cmd: DialCommand;
  cfg: CampaignConfig;
  ringS: number;
  answeredAt?: number;
  detectedAt?: number;
  detection?: string;
  agentId?: string;
  bridgedAt?: number;
  waiting?: { since: number; timer: NodeJS.Timeout };
  abandoned?: boolean;
  /** Whether the answer went to the agent the lead was taken for has been counted. */
  ownerCounted?: boolean;
}

/** Answers of commands that name an agent: bridged to that agent, or to another by the usual rule. */
export type OwnerRouting = "owner" | "fallback";

export interface FloorMetrics {
  bridged(ms: number): void;
  abandoned(messageDelayMs: number | null): void;
  outcome(kind: string): void;
  ownerRouted?(result: OwnerRouting): void;
}

export interface FloorOptions {
  orgId: string;
  cc: SipCallControl;
  pool: AgentPool;
  emit: (fields: EventFields, at?: number) => void;
  log: Logger;
  metrics?: FloorMetrics;
  /** Where calls in hand are noted so a restart can account for them. */
  journal?: InFlightJournal;
}

const AUTO_DISPOSITION: Partial<Record<FailureCause, "E" | "F">> = {
  invalid_number: "F",
  unreachable: "F",
};

export class Floor {
  readonly #o: FloorOptions;
  readonly #attempts = new Map<string, FloorAttempt>();
  /** Live answers waiting for an agent, oldest first. */
  #queue: string[] = [];
  readonly #ownerRoutes: Record<OwnerRouting, number> = { owner: 0, fallback: 0 };

  constructor(o: FloorOptions) {
    this.#o = o;
    o.cc.onEvent((e) => this.#onCall(e));
  }

  get inFlight(): number {
    return this.#attempts.size;
  }

  get waiting(): number {
    return this.#queue.length;
  }

  /** Answers of agent-named commands so far, by where they went. */
  get ownerRoutes(): Readonly<Record<OwnerRouting, number>> {
    return { ...this.#ownerRoutes };
  }

  /**
   * Follows an attempt the dialer is about to originate. A preview command reserves the agent it
   * was taken for before the INVITE, so their console shows the lead while it rings.
   */
  track(cmd: DialCommand, cfg: CampaignConfig): void {
    const a: FloorAttempt = { cmd, cfg, ringS: 0 };
    this.#attempts.set(cmd.attempt_id, a);
    if (cmd.mode === "preview" && cmd.agent_id) {
      const agent = this.#o.pool.claimAgent(cmd.agent_id, this.#needs(a), cmd.attempt_id);
      if (agent) {
        this.#move(agent.agentId, "reserved", a);
        a.agentId = agent.agentId;
      }
    }
    this.#note(a, "dialing");
  }

  #needs(a: FloorAttempt) {
    return { campaignId: a.cmd.campaign_id, ...(a.cmd.skill ? { skill: a.cmd.skill } : {}) };
  }

  /**
   * The agent the command names, if still theirs to take: already reserved at dial (preview) and
   * not gone since, or free now. Otherwise null, counted as a fallback to the usual routing.
   */
  #owner(a: FloorAttempt): PoolAgent | null {
    const named = a.cmd.agent_id;
    if (!named) return null;
    const id = a.cmd.attempt_id;
    let agent: PoolAgent | null = null;
    if (a.agentId === named && this.#o.pool.holds(named, id)) agent = this.#o.pool.get(named) ?? null;
    else {
      // Reserved at dial but paused, logged out or lost their phone since: not ours to move.
      a.agentId = undefined;
      agent = this.#o.pool.claimAgent(named, this.#needs(a), id);
    }
    if (!a.ownerCounted) {
      a.ownerCounted = true;
      const result: OwnerRouting = agent ? "owner" : "fallback";
      this.#ownerRoutes[result] += 1;
      this.#o.metrics?.ownerRouted?.(result);
      if (!agent)
        this.#o.log.info({ attempt: id, agent: named }, "named agent unavailable; routing to another");
    }
    return agent;
  }

  /** Frees an agent reserved for an attempt that never reached them (unless they left already). */
  #release(a: FloorAttempt, at = Date.now()): void {
    if (a.agentId && this.#o.pool.holds(a.agentId, a.cmd.attempt_id)) this.#move(a.agentId, "ready", a, at);
    a.agentId = undefined;
  }

  #note(a: FloorAttempt, stage: JournalEntry["stage"] | null): void {
    const j = this.#o.journal;
    if (!j) return;
    const done =
      stage === null
        ? j.remove(a.cmd.attempt_id)
        : j.put({
            attemptId: a.cmd.attempt_id,
            campaignId: a.cmd.campaign_id,
            leadId: a.cmd.lead_id,
            stage,
            ...(a.agentId ? { agentId: a.agentId } : {}),
            at: Date.now(),
          });
    done.catch((err: unknown) => this.#o.log.warn({ err }, "in-flight journal write failed"));
  }

  #call(a: FloorAttempt) {
    return {
      org_id: this.#o.orgId,
      attempt_id: a.cmd.attempt_id,
      campaign_id: a.cmd.campaign_id,
      lead_id: a.cmd.lead_id,
    };
  }

  #onCall(e: CallControlEvent): void {
    const a = this.#attempts.get(e.attemptId);
    if (!a) return;
    switch (e.type) {
      case "dialing":
      case "ringing":
        this.#o.emit({ kind: `call.${e.type}`, ...this.#call(a) }, e.at);
        return;
      case "answered":
        a.answeredAt = e.at;
        a.ringS = e.ringS;
        this.#note(a, "answered");
        if (a.cfg.call_progress_only) this.#progressOnly(a, e.at);
        return;
      case "detected":
        if (!a.cfg.call_progress_only) this.#detected(a, e);
        return;
      case "failed":
        this.#failed(a, e);
        return;
      case "bridged":
        this.#bridged(a, e.agentId, e.at);
        return;
      case "message_started":
        if (a.abandoned) this.#abandonedWithMessage(a, e.at);
        return;
      case "hungup":
        this.#hungup(a, e.by, e.at);
        return;
    }
  }

  #detected(a: FloorAttempt, e: Extract<CallControlEvent, { type: "detected" }>): void {
    a.detectedAt = e.at;
    a.detection = e.detection;
    this.#o.emit(
      {
        kind: "call.answered",
        ...this.#call(a),
        detection: e.detection,
        detect_ms: Math.min(e.detectMs, 86_400_000),
        ring_s: a.ringS,
        ...(e.reason ? { detect_reason: e.reason.slice(0, 64) } : {}),
      },
      e.at,
    );
    // Only a human voice reaches an agent; without AMD there is no verdict and every answer does.
    const live =
      e.detection === "human" || (e.detection === "unknown" && (a.cfg.unknown_as === "human" || !a.cfg.amd));
    if (live) {
      void this.#route(a);
      return;
    }
    const id = a.cmd.attempt_id;
    if (e.detection === "machine" && a.cfg.machine_action === "message" && a.cfg.voicemail_message) {
      void this.#o.cc.playMessageNow(id, "voicemail");
      return;
    }
    this.#o.cc.hangup(id, "system");
  }

  /** A trial dial only asks whether the number works: answered is enough, nobody is connected. */
  #progressOnly(a: FloorAttempt, at: number): void {
    a.detectedAt = at;
    a.detection = "unknown";
    this.#o.emit(
      {
        kind: "call.answered",
        ...this.#call(a),
        detection: "unknown",
        detect_ms: 0,
        ring_s: a.ringS,
        detect_reason: "call_progress_only",
      },
      at,
    );
    this.#o.cc.hangup(a.cmd.attempt_id, "system");
  }

  async #route(a: FloorAttempt, tries = 0): Promise<void> {
    const id = a.cmd.attempt_id;
    const owner = tries === 0 ? this.#owner(a) : null;
    const agent = owner ?? this.#o.pool.claim(this.#needs(a), id);
    if (!agent) {
      this.#wait(a);
      return;
    }
    // A preview owner is reserved already; anyone else is reserved now.
    if (a.agentId !== agent.agentId) this.#move(agent.agentId, "reserved", a);
    a.agentId = agent.agentId;
    if (await this.#o.cc.bridgeNow(id, agent.agentId)) return;
    // The agent's session refused the bridge: free them and try the next one.
    a.agentId = undefined;
    this.#move(agent.agentId, "ready", a);
    if (!this.#attempts.has(id) || !this.#o.cc.get(id)) return;
    if (tries < 2) await this.#route(a, tries + 1);
    else this.#wait(a);
  }

  #wait(a: FloorAttempt): void {
    if (a.waiting || a.abandoned) return;
    const since = a.detectedAt ?? Date.now();
    const timer = setTimeout(() => void this.#abandon(a), Math.max(0, since + a.cfg.grace_ms - Date.now()));
    a.waiting = { since, timer };
    this.#queue.push(a.cmd.attempt_id);
  }

  #unwait(a: FloorAttempt): void {
    if (!a.waiting) return;
    clearTimeout(a.waiting.timer);
    a.waiting = undefined;
    this.#queue = this.#queue.filter((id) => id !== a.cmd.attempt_id);
  }

  async #abandon(a: FloorAttempt): Promise<void> {
    this.#unwait(a);
    a.abandoned = true;
    const started = await this.#o.cc.playMessageNow(a.cmd.attempt_id, "abandon");
    if (started === null && this.#attempts.has(a.cmd.attempt_id)) {
      // No message could be played: still an abandoned call, counted honestly.
      this.#emitAbandoned(a, Date.now(), null);
    }
  }

  #abandonedWithMessage(a: FloorAttempt, at: number): void {
    this.#emitAbandoned(a, at, at - (a.detectedAt ?? at));
  }

  #emitAbandoned(a: FloorAttempt, at: number, messageDelayMs: number | null): void {
    this.#o.metrics?.abandoned(messageDelayMs);
    this.#o.emit(
      {
        kind: "call.abandoned",
        ...this.#call(a),
        ms_from_answer: Math.max(0, Math.round(at - (a.answeredAt ?? at))),
        message_played: messageDelayMs !== null,
        ...(messageDelayMs !== null ? { message_delay_ms: Math.max(0, Math.round(messageDelayMs)) } : {}),
        amd_false_positive: false,
      },
      at,
    );
  }

  /** An agent may have freed up: give them the call that has waited longest. */
  agentAvailable(): void {
    while (this.#queue.length) {
      const id = this.#queue[0]!;
      const a = this.#attempts.get(id);
      if (!a?.waiting) {
        this.#queue.shift();
        continue;
      }
      const needs = this.#needs(a);
      if (!this.#o.pool.all().some((x) => this.#o.pool.fits(x, needs))) return;
      this.#unwait(a);
      void this.#route(a);
    }
  }

  #bridged(a: FloorAttempt, agentId: string, at: number): void {
    a.bridgedAt = at;
    const waitMs = Math.max(0, Math.round(at - (a.detectedAt ?? at)));
    this.#o.metrics?.bridged(waitMs);
    this.#o.emit({ kind: "call.bridged", ...this.#call(a), agent_id: agentId, wait_ms: waitMs }, at);
    this.#move(agentId, "on_call", a, at);
    this.#note(a, "bridged");
  }

  #failed(a: FloorAttempt, e: Extract<CallControlEvent, { type: "failed" }>): void {
    this.#attempts.delete(a.cmd.attempt_id);
    this.#note(a, null);
    this.#release(a, e.at);
    this.#o.metrics?.outcome(e.cause);
    this.#o.emit(
      {
        kind: "call.failed",
        ...this.#call(a),
        cause: e.cause,
        ring_s: Math.min(e.ringS, 86_400),
        ...(e.sipCode ? { sip_code: e.sipCode } : {}),
        ...(e.detail ? { detail: e.detail.slice(0, 200) } : {}),
      },
      e.at,
    );
    if (e.cause !== "cancelled") {
      this.#o.emit(
        {
          kind: "call.disposition",
          ...this.#call(a),
          disposition: AUTO_DISPOSITION[e.cause] ?? "E",
          set_by: "auto",
        },
        e.at,
      );
    }
  }

  #hungup(a: FloorAttempt, by: "customer" | "agent" | "system" | "network", at: number): void {
    this.#attempts.delete(a.cmd.attempt_id);
    this.#note(a, null);
    if (a.waiting) {
      // The person gave up before an agent or the message came: abandoned all the same.
      this.#unwait(a);
      a.abandoned = true;
      this.#emitAbandoned(a, at, null);
    }
    const talkS = a.bridgedAt ? Math.max(0, (at - a.bridgedAt) / 1000) : 0;
    const agentId = a.agentId;
    if (agentId && a.bridgedAt) this.#move(agentId, "wrap_up", a, at);
    else this.#release(a, at);
    this.#o.metrics?.outcome(
      a.bridgedAt ? "connected" : a.abandoned ? "abandoned" : (a.detection ?? "ended"),
    );
    this.#o.emit(
      {
        kind: "call.ended",
        ...this.#call(a),
        ...(agentId && a.bridgedAt ? { agent_id: agentId } : {}),
        ring_s: a.ringS,
        talk_s: Math.min(talkS, 86_400),
        hold_s: 0,
        wrap_s: 0,
        hangup_by: by,
      },
      at,
    );
  }

  /** Moves an agent we hold to a new state and publishes it with the time spent in the last one. */
  #move(agentId: string, state: OwnState, a: FloorAttempt, at = Date.now()): void {
    const { previous, previousS } = this.#o.pool.mark(agentId, state, at);
    this.#o.emit(
      {
        kind: "agent.state_changed",
        org_id: this.#o.orgId,
        agent_id: agentId,
        state,
        previous_state: AgentState.catch("paused").parse(previous),
        previous_state_s: Math.min(previousS, 7 * 86_400),
        campaign_id: a.cmd.campaign_id,
        attempt_id: a.cmd.attempt_id,
      },
      at,
    );
  }

  /** The agent's phone left while they held a call: the customer cannot be heard, end it. */
  phoneLost(agentId: string): void {
    for (const a of this.#attempts.values()) {
      if (a.agentId !== agentId) continue;
      if (a.answeredAt !== undefined) {
        this.#o.cc.hangup(a.cmd.attempt_id, "agent");
        continue;
      }
      // Reserved at dial (preview) and the call still rings: it can go to another agent on answer.
      // Freed here; the service then pauses them for the lost phone (technical).
      a.agentId = undefined;
      this.#move(agentId, "ready", a);
    }
  }

  /** Attempts this floor follows, for the in-flight journal. */
  attempts(): { attemptId: string; agentId?: string; answered: boolean }[] {
    return [...this.#attempts.values()].map((a) => ({
      attemptId: a.cmd.attempt_id,
      ...(a.agentId ? { agentId: a.agentId } : {}),
      answered: a.answeredAt !== undefined,
    }));
  }
}
