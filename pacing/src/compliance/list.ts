// A dialing list with every compliance rule applied at dial time: DNC/blacklist, consent where the
// profile requires it, the calling window in the callee's local time, attempt limits per local
// day and per campaign, and the retry schedule by outcome. It is the runner's LeadSource.
import type { CallOutcome, DialTarget, LeadSource } from "../sim/runner.ts";
import type { DncList } from "./dnc.ts";
import type { JurisdictionProfile } from "./profiles.ts";
import { DEFAULT_RETRY_RULES, nextAttemptAt, type RetryRules } from "./retry.ts";
import { calleeZones, insideWindow, localMinutes, nextWindowOpen } from "./window.ts";

export interface ListLead {
  leadId: string;
  phone: string;
  /** IANA zone from the lead record, when known. */
  tz?: string;
  consent?: boolean;
}

interface Entry {
  lead: ListLead;
  zones: string[];
  dueAt: number;
  attempts: number;
  /** Local-day key → attempts that day. */
  perDay: Map<string, number>;
  done: boolean;
}

export type SkipReason =
  | "dnc"
  | "no_consent"
  | "timezone_unknown"
  | "max_attempts_campaign"
  | "outside_window"
  | "max_attempts_day";

export class DialingList implements LeadSource {
  readonly #profile: JurisdictionProfile;
  readonly #dnc: DncList;
  readonly #rules: RetryRules;
  readonly #entries = new Map<string, Entry>();
  #queue: Entry[] = [];
  readonly skipped: Record<SkipReason, number> = {
    dnc: 0,
    no_consent: 0,
    timezone_unknown: 0,
    max_attempts_campaign: 0,
    outside_window: 0,
    max_attempts_day: 0,
  };

  constructor(
    leads: Iterable<ListLead>,
    profile: JurisdictionProfile,
    dnc: DncList,
    now: number,
    rules: RetryRules = DEFAULT_RETRY_RULES,
  ) {
    this.#profile = profile;
    this.#dnc = dnc;
    this.#rules = rules;
    for (const lead of leads) {
      const e: Entry = {
        lead,
        zones: calleeZones(lead.phone, lead.tz),
        dueAt: now,
        attempts: 0,
        perDay: new Map(),
        done: false,
      };
      this.#entries.set(lead.leadId, e);
      this.#queue.push(e);
    }
  }

  #dayKey(e: Entry, at: number): string {
    const tz = e.zones[0] ?? "UTC";
    // local date: shift by the zone's local minutes to find the local midnight's day number
    const local = localMinutes(tz, at);
    const utcMin = Math.floor(at / 60_000) % 1440;
    let offset = local - utcMin;
    if (offset > 720) offset -= 1440;
    if (offset < -720) offset += 1440;
    return `${tz}|${Math.floor((at / 60_000 + offset) / 1440)}`;
  }

  #pop(now: number): Entry | undefined {
    // Small lists in tests and demos: a linear scan for the earliest due entry is enough.
    let best = -1;
    for (let i = 0; i < this.#queue.length; i++) {
      const e = this.#queue[i]!;
      if (e.dueAt <= now && (best < 0 || e.dueAt < this.#queue[best]!.dueAt)) best = i;
    }
    if (best < 0) return undefined;
    return this.#queue.splice(best, 1)[0];
  }

  next(now: number): DialTarget | null {
    for (;;) {
      const e = this.#pop(now);
      if (!e) return null;
      if (e.done) continue;
      const reason = this.#check(e, now);
      if (reason === null) {
        e.attempts++;
        const k = this.#dayKey(e, now);
        e.perDay.set(k, (e.perDay.get(k) ?? 0) + 1);
        return { leadKey: e.lead.leadId, phone: e.lead.phone, attemptNo: e.attempts };
      }
      this.skipped[reason]++;
      if (reason === "outside_window" || reason === "max_attempts_day") {
        const from = reason === "max_attempts_day" ? now + 6 * 3_600_000 : now;
        const open = nextWindowOpen(e.zones, this.#profile.window, from);
        if (open !== null) {
          e.dueAt = Math.max(open, now + 60_000);
          this.#queue.push(e);
          continue;
        }
      }
      e.done = true;
    }
  }

  /** Why a lead may not be dialed now (null = allowed). */
  #check(e: Entry, now: number): SkipReason | null {
    if (this.#dnc.has(e.lead.phone)) return "dnc";
    if (this.#profile.requireConsent && !e.lead.consent) return "no_consent";
    if (e.zones.length === 0) return "timezone_unknown";
    if (e.attempts >= this.#profile.maxAttemptsPerCampaign) return "max_attempts_campaign";
    if (!insideWindow(e.zones, this.#profile.window, now)) return "outside_window";
    if ((e.perDay.get(this.#dayKey(e, now)) ?? 0) >= this.#profile.maxAttemptsPerDay)
      return "max_attempts_day";
    return null;
  }

  report(target: DialTarget, outcome: CallOutcome, now: number): void {
    const e = this.#entries.get(target.leadKey);
    if (!e || e.done) return;
    const at = nextAttemptAt(outcome, now, this.#rules);
    if (at === null) {
      e.done = true;
      return;
    }
    e.dueAt = at;
    this.#queue.push(e);
  }

  /** Adds a lead at runtime (speed-to-lead). */
  add(lead: ListLead, now: number): void {
    const e: Entry = {
      lead,
      zones: calleeZones(lead.phone, lead.tz),
      dueAt: now,
      attempts: 0,
      perDay: new Map(),
      done: false,
    };
    this.#entries.set(lead.leadId, e);
    this.#queue.push(e);
  }

  get size(): number {
    return this.#queue.length;
  }
}
