// Real-time leads (speed-to-lead): a lead from a web form, an ad or the API is worth most in its
// first minutes, so it goes to the head of its campaign's fresh queue, ahead of an imported backlog
// that waited for days anyway. The fresh queue is ordered by due time, so a real-time lead is
// entered as due "long ago" (its received time minus a fixed head start): real-time leads stay in
// the order they came, all of them before every imported lead, and behind call-backs (their own
// queue, taken first). Speed-to-lead (lead received → INVITE sent) is measured here per lead.
import type { CallCenterEvent } from "@cc/ingest";
import type { RedisDialingList } from "../lists/dialing-list.ts";

type LeadCreated = Extract<CallCenterEvent, { kind: "lead.created" }>;

/** Far more than any backlog's age: a real-time lead sorts before every imported lead. */
export const REAL_TIME_HEAD_START_MS = 10 * 365 * 86_400_000;

/** Leads that came in one by one as they happened (imports are a backlog, not real-time). */
export function isRealTimeLead(e: LeadCreated): boolean {
  return e.source !== "import";
}

/** When the lead was received: the intake stamps `occurred_at` on arrival. */
export function receivedAt(e: LeadCreated): number {
  return Date.parse(e.occurred_at);
}

/** The due time a lead enters the fresh queue with (its order in the queue). */
export function dueAtFor(e: LeadCreated, now = Date.now()): number {
  return isRealTimeLead(e) ? Math.min(receivedAt(e), now) - REAL_TIME_HEAD_START_MS : now;
}

/** Adds a lead.created to its campaign's dialing list, real-time leads first in line. */
export async function addLead(list: RedisDialingList, e: LeadCreated, now = Date.now()): Promise<boolean> {
  return await list.add(
    {
      leadId: e.lead_id,
      phone: e.phone,
      consent: e.consent.given,
      // The lead's own zone, when it says so, decides its calling window (else the number's country).
      ...(e.tz ? { tz: e.tz } : {}),
      ...(e.name ? { name: e.name } : {}),
    },
    dueAtFor(e, now),
  );
}

/**
 * Lead received → first INVITE sent (call.dialing), per real-time lead, in milliseconds. Leads are
 * remembered in memory for `maxAgeMs` (a pacing restart loses the figure of the leads in flight;
 * ClickHouse's speed_to_lead view keeps the full record).
 */
export class SpeedToLead {
  readonly #received = new Map<string, number>();
  readonly #observe: (ms: number, campaignId: string) => void;
  readonly #maxAgeMs: number;
  readonly #maxLeads: number;

  constructor(
    observe: (ms: number, campaignId: string) => void,
    o: { maxAgeMs?: number; maxLeads?: number } = {},
  ) {
    this.#observe = observe;
    this.#maxAgeMs = o.maxAgeMs ?? 3_600_000;
    this.#maxLeads = o.maxLeads ?? 100_000;
  }

  get waiting(): number {
    return this.#received.size;
  }

  /** Call on every event the pacing service sees: lead.created starts a clock, call.dialing stops it. */
  apply(e: CallCenterEvent, now = Date.now()): void {
    if (e.kind === "lead.created" && e.campaign_id && isRealTimeLead(e)) {
      const key = `${e.campaign_id}/${e.lead_id}`;
      if (this.#received.has(key)) return;
      if (this.#received.size >= this.#maxLeads) this.#forget(now, true);
      this.#received.set(key, receivedAt(e));
    } else if (e.kind === "call.dialing") {
      const key = `${e.campaign_id}/${e.lead_id}`;
      const at = this.#received.get(key);
      if (at === undefined) return;
      this.#received.delete(key);
      this.#observe(Math.max(0, Date.parse(e.occurred_at) - at), e.campaign_id);
    }
  }

  /** Drops leads never dialed within maxAgeMs (closed, DNC, campaign stopped); `oldest` makes room. */
  #forget(now: number, oldest = false): void {
    for (const [key, at] of this.#received) {
      if (now - at > this.#maxAgeMs || oldest) this.#received.delete(key);
      if (oldest) return;
    }
  }

  sweep(now = Date.now()): void {
    this.#forget(now);
  }
}
