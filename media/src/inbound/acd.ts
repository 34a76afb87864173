// ACD queues by skill. A waiting caller goes to their own agent first (the customer's owner, else
// the agent who last spoke to them) when that agent is free, and waits up to `sticky_s` for them
// while they are logged in with a phone; otherwise to the longest-idle ready agent with one of the
// call's skills. After `overflow.after_s` a queue's calls may also go to another queue's skill.
// Callers hear their position and expected wait (and a call-back offer when the wait is long);
// pressing 1 then publishes a call-back request and ends the call.
import { AgentState, type EventFields } from "@cc/ingest";
import type { Logger } from "pino";
import type { AgentPool, OwnState, PoolAgent } from "../service/agent-pool.ts";
import type { AgentLeg } from "../sip/ports.ts";
import { type InboundConfig, skillOf } from "./config.ts";
import type { InboundCall, InboundHangupBy } from "./inbound-call.ts";
import type { PromptBook } from "./prompts.ts";

/** What every inbound event about a call carries. */
export interface CallInfo {
  did: string;
  caller: string;
  leadId?: string;
  owner?: string;
  lastAgent?: string;
}

type StickyRule = "owner" | "last_agent" | "none";

interface Waiter {
  call: InboundCall;
  info: CallInfo;
  queue: string;
  skills: string[];
  enteredAt: number;
  preferred: { agentId: string; rule: Exclude<StickyRule, "none"> } | null;
  stickyUntil: number;
  timers: NodeJS.Timeout[];
  routing: boolean;
  agentId?: string;
  bridgedAt?: number;
  /** Left the queue (bridged, call-back, timed out or gone). */
  done: boolean;
}

export interface AcdOptions {
  orgId: string;
  config: InboundConfig;
  pool: AgentPool;
  agentLeg: (agentId: string) => AgentLeg | undefined;
  prompts: PromptBook | null;
  emit: (fields: EventFields, at?: number) => void;
  /** The caller reached this agent (remember them for sticky routing, pop the customer card). */
  onBridged: (agentId: string, call: InboundCall, info: CallInfo, queue: string) => void;
  log: Logger;
}

export class Acd {
  readonly #o: AcdOptions;
  readonly #calls = new Map<string, Waiter>();
  readonly #aht = new Map<string, number>();
  #dispatching = false;
  #again = false;

  constructor(o: AcdOptions) {
    this.#o = o;
  }

  has(callId: string): boolean {
    return this.#calls.has(callId);
  }

  /** Callers waiting now, per queue, with the longest wait (for metrics and health). */
  waiting(now = Date.now()): { queue: string; waiting: number; longestMs: number }[] {
    const out = new Map<string, { queue: string; waiting: number; longestMs: number }>();
    for (const w of this.#calls.values()) {
      if (w.done) continue;
      const q = out.get(w.queue) ?? { queue: w.queue, waiting: 0, longestMs: 0 };
      q.waiting++;
      q.longestMs = Math.max(q.longestMs, now - w.enteredAt);
      out.set(w.queue, q);
    }
    return [...out.values()];
  }

  #base(w: Waiter) {
    return {
      org_id: this.#o.orgId,
      attempt_id: w.call.id,
      did: w.info.did,
      caller: w.info.caller,
      ...(w.info.leadId ? { lead_id: w.info.leadId } : {}),
    };
  }

  /** Puts a caller in a queue; they are routed at once when an agent fits. */
  enqueue(call: InboundCall, info: CallInfo, queueId: string, path: string): void {
    const q = this.#o.config.queues[queueId]!;
    const now = Date.now();
    const preferredId = info.owner ?? info.lastAgent;
    const w: Waiter = {
      call,
      info,
      queue: queueId,
      skills: [skillOf(queueId, q)],
      enteredAt: now,
      preferred: preferredId ? { agentId: preferredId, rule: info.owner ? "owner" : "last_agent" } : null,
      stickyUntil: preferredId ? now + this.#o.config.sticky_s * 1000 : 0,
      timers: [],
      routing: false,
      done: false,
    };
    this.#calls.set(call.id, w);
    call.once("ended", (by) => this.#ended(w, by));
    const { position, waitS } = this.#estimate(w);
    this.#o.emit({
      kind: "inbound.queued",
      ...this.#base(w),
      queue: queueId,
      path,
      position,
      expected_wait_s: waitS,
    });
    if (w.preferred)
      w.timers.push(setTimeout(() => void this.dispatch(), this.#o.config.sticky_s * 1000 + 5));
    if (q.overflow) {
      const to = q.overflow.to;
      w.timers.push(setTimeout(() => this.#overflow(w, to), q.overflow.after_s * 1000));
    }
    w.timers.push(setTimeout(() => void this.#timeOut(w), q.max_wait_s * 1000));
    void this.dispatch().then(() => {
      if (!w.done && !w.routing) void this.#announce(w);
    });
  }

  #overflow(w: Waiter, to: string): void {
    if (w.done) return;
    const skill = skillOf(to, this.#o.config.queues[to]!);
    if (!w.skills.includes(skill)) w.skills.push(skill);
    const { position, waitS } = this.#estimate(w);
    this.#o.emit({
      kind: "inbound.queued",
      ...this.#base(w),
      queue: to,
      path: "",
      position,
      expected_wait_s: waitS,
      overflow_from: w.queue,
    });
    void this.dispatch();
  }

  /** Position among callers of the same queue, and expected wait from handle time and staffing. */
  #estimate(w: Waiter): { position: number; waitS: number } {
    let position = 1;
    for (const o of this.#calls.values())
      if (!o.done && o !== w && o.queue === w.queue && o.enteredAt <= w.enteredAt) position++;
    const q = this.#o.config.queues[w.queue]!;
    const aht = this.#aht.get(w.queue) ?? q.aht_s;
    const staffed = this.#o.pool
      .all()
      .filter(
        (a) =>
          a.phone &&
          a.state !== "logged_out" &&
          a.state !== "paused" &&
          w.skills.some((s) => a.skills.includes(s)),
      ).length;
    return { position, waitS: Math.round((position * aht) / Math.max(1, staffed)) };
  }

  /** Announces position and wait every `announce_every_s`; 1 takes the call-back when offered. */
  async #announce(w: Waiter): Promise<void> {
    const q = this.#o.config.queues[w.queue]!;
    const prompts = this.#o.prompts;
    while (!w.done && !w.call.ended) {
      const { position, waitS } = this.#estimate(w);
      const offer = !!q.callback && waitS >= q.callback.offer_when_wait_s;
      let ms = 0;
      if (prompts && !w.routing) {
        try {
          ms = await w.call.play(await prompts.queueAnnouncement(position, waitS, offer));
        } catch (err) {
          this.#o.log.warn({ err }, "queue announcement not played");
        }
      }
      const until = Date.now() + Math.max(ms, q.announce_every_s * 1000);
      while (!w.done && Date.now() < until) {
        const d = await w.call.nextDigit(until - Date.now());
        if (d === "1" && offer && !w.done && !w.routing) {
          await this.#callback(w, waitS);
          return;
        }
        if (d === null) break;
      }
    }
  }

  async #callback(w: Waiter, waitS: number): Promise<void> {
    this.#leave(w);
    const cb = this.#o.config.queues[w.queue]!.callback;
    this.#o.emit({
      kind: "inbound.callback_requested",
      ...this.#base(w),
      queue: w.queue,
      ...(cb?.campaign_id ? { campaign_id: cb.campaign_id } : {}),
      expected_wait_s: waitS,
    });
    // A new caller becomes a lead of the call-back campaign: pacing adds lead.created leads of a
    // campaign to its dialing list, so the call-back is dialled like any lead (no pacing internals
    // here). A known customer keeps their lead; the request event carries it.
    if (cb?.campaign_id && !w.info.leadId && /^\+[1-9]\d{6,14}$/.test(w.info.caller)) {
      this.#o.emit({
        kind: "lead.created",
        org_id: this.#o.orgId,
        lead_id: `in-${w.call.id}`,
        source: "inbound_call",
        campaign_id: cb.campaign_id,
        phone: w.info.caller,
        consent: { given: true, method: "recorded_call", at: new Date().toISOString() },
      });
    }
    const ms = this.#o.prompts
      ? await w.call.play(await this.#o.prompts.phrase("callback_confirmed")).catch(() => 0)
      : 0;
    setTimeout(() => void w.call.end("system"), ms + 300);
  }

  async #timeOut(w: Waiter): Promise<void> {
    if (w.done || w.routing) return;
    this.#leave(w);
    const ms = this.#o.prompts
      ? await w.call.play(await this.#o.prompts.phrase("goodbye")).catch(() => 0)
      : 0;
    setTimeout(() => void w.call.end("system"), ms + 300);
  }

  #leave(w: Waiter): void {
    w.done = true;
    for (const t of w.timers) clearTimeout(t);
    w.timers = [];
  }

  /** Routes every waiting caller an agent fits now, oldest first. Re-entrant calls coalesce. */
  async dispatch(): Promise<void> {
    if (this.#dispatching) {
      this.#again = true;
      return;
    }
    this.#dispatching = true;
    try {
      do {
        this.#again = false;
        const waiting = [...this.#calls.values()].filter((w) => !w.done && !w.routing);
        waiting.sort((a, b) => a.enteredAt - b.enteredAt);
        for (const w of waiting) {
          const pick = this.#pick(w);
          if (pick) void this.#connect(w, pick.agent, pick.rule);
        }
      } while (this.#again);
    } finally {
      this.#dispatching = false;
    }
  }

  /** Chooses and claims (synchronously) the agent for a caller, or null to keep them waiting. */
  #pick(w: Waiter): { agent: PoolAgent; rule: StickyRule } | null {
    const free = (a: PoolAgent) => a.state === "ready" && a.phone && a.attempt === null;
    const claim = (a: PoolAgent, rule: StickyRule) => {
      a.attempt = w.call.id;
      return { agent: a, rule };
    };
    if (w.preferred) {
      const a = this.#o.pool.get(w.preferred.agentId);
      if (a && free(a)) return claim(a, w.preferred.rule);
      // Their own agent is on shift: keep the caller for them a little while.
      if (a?.phone && a.state !== "logged_out" && Date.now() < w.stickyUntil) return null;
    }
    let best: PoolAgent | null = null;
    for (const a of this.#o.pool.all())
      if (free(a) && w.skills.some((s) => a.skills.includes(s)) && (!best || a.since < best.since)) best = a;
    return best ? claim(best, "none") : null;
  }

  async #connect(w: Waiter, agent: PoolAgent, rule: StickyRule): Promise<void> {
    w.routing = true;
    const agentId = agent.agentId;
    this.#move(agentId, "reserved", w);
    const leg = this.#o.agentLeg(agentId);
    const ok = leg ? await w.call.bridge(leg) : false;
    if (!ok) {
      w.routing = false;
      this.#move(agentId, "ready", w);
      if (!w.call.ended) setTimeout(() => void this.dispatch(), 100);
      return;
    }
    this.#leave(w);
    const now = Date.now();
    w.agentId = agentId;
    w.bridgedAt = now;
    this.#o.emit(
      {
        kind: "inbound.answered",
        ...this.#base(w),
        queue: w.queue,
        agent_id: agentId,
        wait_ms: Math.min(86_400_000, now - w.enteredAt),
        answer_to_agent_ms: Math.min(86_400_000, now - w.call.answeredAt),
        sticky: rule,
      },
      now,
    );
    this.#move(agentId, "on_call", w, now);
    this.#o.onBridged(agentId, w.call, w.info, w.queue);
  }

  #ended(w: Waiter, by: InboundHangupBy): void {
    const now = Date.now();
    const wasWaiting = !w.done && !w.bridgedAt;
    this.#leave(w);
    this.#calls.delete(w.call.id);
    if (wasWaiting) {
      this.#o.emit({
        kind: "inbound.abandoned",
        ...this.#base(w),
        stage: "queue",
        queue: w.queue,
        wait_ms: Math.min(86_400_000, now - w.enteredAt),
      });
      if (w.routing && w.agentId === undefined) void this.dispatch();
    }
    const talkS = w.bridgedAt ? (now - w.bridgedAt) / 1000 : 0;
    if (w.bridgedAt) {
      const prev = this.#aht.get(w.queue) ?? this.#o.config.queues[w.queue]!.aht_s;
      this.#aht.set(w.queue, prev * 0.8 + talkS * 0.2);
    }
    this.#o.emit({
      kind: "inbound.ended",
      ...this.#base(w),
      queue: w.queue,
      ...(w.agentId ? { agent_id: w.agentId } : {}),
      talk_s: Math.min(talkS, 86_400),
      hangup_by: by,
    });
    if (w.agentId) this.#move(w.agentId, "wrap_up", w, now);
  }

  #move(agentId: string, state: OwnState, w: Waiter, at = Date.now()): void {
    const { previous, previousS } = this.#o.pool.mark(agentId, state, at);
    this.#o.emit(
      {
        kind: "agent.state_changed",
        org_id: this.#o.orgId,
        agent_id: agentId,
        state,
        previous_state: AgentState.catch("paused").parse(previous),
        previous_state_s: Math.min(previousS, 7 * 86_400),
        attempt_id: w.call.id,
      },
      at,
    );
  }

  async endAll(by: InboundHangupBy): Promise<void> {
    await Promise.all([...this.#calls.values()].map((w) => w.call.end(by)));
  }
}
