// Call events back into the dialing list: each attempt's outcome decides when its lead is dialed
// again (retry rules), whether it becomes a call-back (the agent set a next contact), or whether
// it is closed. Attempts are followed from creation to their last event in memory; a lost outcome
// is recovered by the list's lease.
import type { CallCenterEvent } from "@cc/ingest";
import type { RedisDialingList } from "../lists/dialing-list.ts";
import type { CallOutcome } from "../sim/runner.ts";

interface Followed {
  campaignId: string;
  leadId: string;
  detection?: string;
  abandoned?: boolean;
  /** Connected to an agent and ended: waiting for the disposition (call-back or not). */
  awaitingDisposition?: number;
}

/** Block reasons that close a lead for good, versus ones that only defer it. */
const CLOSING = new Set(["dnc", "blacklist", "max_attempts", "no_consent", "timezone_unknown"]);

export class ListOutcomes {
  readonly #lists: ReadonlyMap<string, RedisDialingList>;
  readonly #attempts = new Map<string, Followed>();
  readonly #dispositionWaitMs: number;

  constructor(lists: ReadonlyMap<string, RedisDialingList>, dispositionWaitMs = 15 * 60_000) {
    this.#lists = lists;
    this.#dispositionWaitMs = dispositionWaitMs;
  }

  get followed(): number {
    return this.#attempts.size;
  }

  async apply(e: CallCenterEvent, now = Date.now()): Promise<void> {
    if (!isCallEvent(e)) return;
    const list = this.#lists.get(e.campaign_id);
    if (!list) return;
    const id = e.attempt_id;
    switch (e.kind) {
      case "call.attempt_created":
        this.#attempts.set(id, { campaignId: e.campaign_id, leadId: e.lead_id });
        return;
      case "call.answered":
        this.#update(id, e, { detection: e.detection });
        return;
      case "call.abandoned":
        this.#update(id, e, { abandoned: true });
        return;
      case "call.blocked":
        this.#attempts.delete(id);
        if (CLOSING.has(e.reason))
          await list.settle(e.lead_id, "blocked", now, { close: e.reason, undo: true });
        else await list.settle(e.lead_id, "blocked", now, { dueAt: now + 60_000, undo: true });
        return;
      case "call.failed":
        this.#attempts.delete(id);
        await list.settle(e.lead_id, e.cause, now);
        return;
      case "call.ended": {
        const f = this.#attempts.get(id) ?? { campaignId: e.campaign_id, leadId: e.lead_id };
        if (e.agent_id && !f.abandoned) {
          // The agent's disposition may schedule a call-back: settle when it arrives.
          this.#attempts.set(id, { ...f, awaitingDisposition: now });
          return;
        }
        this.#attempts.delete(id);
        await list.settle(e.lead_id, outcomeOf(f), now);
        return;
      }
      case "call.disposition": {
        const f = this.#attempts.get(id);
        if (!f?.awaitingDisposition) return;
        this.#attempts.delete(id);
        // A next contact is that agent's call-back: theirs alone for the grace period, then the team's.
        const callbackAt = e.next_contact_at ? Date.parse(e.next_contact_at) : undefined;
        if (callbackAt !== undefined)
          await list.settle(e.lead_id, "live_connected", now, {
            callbackAt,
            ...(e.agent_id ? { agentId: e.agent_id } : {}),
          });
        else await list.settle(e.lead_id, "live_connected", now);
        return;
      }
      default:
        return;
    }
  }

  #update(id: string, e: { campaign_id: string; lead_id: string }, patch: Partial<Followed>): void {
    const f = this.#attempts.get(id) ?? { campaignId: e.campaign_id, leadId: e.lead_id };
    this.#attempts.set(id, { ...f, ...patch });
  }

  /** Connected calls whose disposition never came: closed as connected. */
  async expire(now = Date.now()): Promise<void> {
    for (const [id, f] of this.#attempts) {
      if (f.awaitingDisposition === undefined || now - f.awaitingDisposition < this.#dispositionWaitMs)
        continue;
      this.#attempts.delete(id);
      await this.#lists.get(f.campaignId)?.settle(f.leadId, "live_connected", now);
    }
  }
}

type CallEvent = Extract<CallCenterEvent, { kind: `call.${string}` }>;

function isCallEvent(e: CallCenterEvent): e is CallEvent {
  return e.kind.startsWith("call.");
}

function outcomeOf(f: Followed): CallOutcome {
  if (f.abandoned) return "live_abandoned";
  if (f.detection === "machine") return "machine";
  if (f.detection === "fax") return "fax";
  if (f.detection === "human" || f.detection === "unknown") return "live_connected";
  return "no_answer";
}
