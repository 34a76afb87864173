// The persistent dialing list of a campaign, in Redis: which leads are due now and in which order
// (an agent's own leads and call-backs, then their team's, then the pool: call-backs, fresh,
// recycled), atomic take with a lease so two dialers never take the same lead, the campaign's
// retry rules and attempt limits (per lead per local day and per campaign) and calling windows
// applied as leads are taken and outcomes come back. History stays in ClickHouse (rebuild.ts
// rebuilds this working set from it); this is what the live pacing service dials from.
import type { createClient } from "redis";
import { type CampaignConfig, profileOf, retryRulesOf } from "../campaigns.ts";
import { normalisePhone } from "../compliance/dnc.ts";
import type { JurisdictionProfile } from "../compliance/profiles.ts";
import { DEFAULT_RETRY_RULES, nextAttemptAt, type RetryRules } from "../compliance/retry.ts";
import { calleeZones, insideWindow, localMinutes, nextWindowOpen } from "../compliance/window.ts";
import type { CallOutcome } from "../sim/runner.ts";
import { ADD, COUNT_DAY, RELEASE, SETTLE, TAKE } from "./lua.ts";

type Redis = ReturnType<typeof createClient>;

export type PoolQueue = "callbacks" | "fresh" | "recycled";

export const listKeys = {
  prefix: (org: string, campaign: string) => `cc:list:${org}:${campaign}:`,
  queue: (org: string, campaign: string, q: PoolQueue) => `cc:list:${org}:${campaign}:${q}`,
  team: (org: string, campaign: string, team: string) => `cc:list:${org}:${campaign}:team:${team}`,
  agent: (org: string, campaign: string, agent: string) => `cc:list:${org}:${campaign}:agent:${agent}`,
  held: (org: string, campaign: string) => `cc:list:${org}:${campaign}:held`,
  taken: (org: string, campaign: string) => `cc:list:${org}:${campaign}:taken`,
  leadPrefix: (org: string, campaign: string) => `cc:list:${org}:${campaign}:lead:`,
  dnc: (org: string) => `cc:dnc:${org}`,
  blacklist: (org: string) => `cc:blacklist:${org}`,
};

export interface ListLeadInput {
  leadId: string;
  phone: string;
  tz?: string;
  consent?: boolean;
  name?: string;
  /** Allocate at once to this team (and agent). */
  teamId?: string;
  agentId?: string;
}

export interface TakenLead {
  leadId: string;
  phone: string;
  tz?: string;
  consent: boolean;
  attemptNo: number;
  /** Owner when the lead is allocated; a call-back is flagged. */
  teamId?: string;
  agentId?: string;
  callback: boolean;
}

export type ListOutcome = CallOutcome | "blocked";

export type SkipReason =
  | "dnc"
  | "blacklist"
  | "max_attempts"
  | "max_attempts_day"
  | "outside_window"
  | "timezone_unknown";

/** Reasons that close a lead for good (the others only defer it). */
export const CLOSING_SKIPS: ReadonlySet<SkipReason> = new Set([
  "dnc",
  "blacklist",
  "max_attempts",
  "timezone_unknown",
]);

export interface TakeResult {
  leads: TakenLead[];
  /** Leads closed or deferred on the way, with why (audit, metrics). */
  skipped: { leadId: string; reason: SkipReason; phone: string }[];
  /** Held leads released on the way: call-backs to their team, untouched allocations to the pool. */
  released: { leadId: string; to: "team" | "pool"; teamId?: string }[];
}

/** Who is taking: an agent (preview: their own leads first), a team, or the campaign (pool only). */
export interface Taker {
  agentId?: string;
  teamIds?: readonly string[];
}

export interface DialingListOptions {
  redis: Redis;
  orgId: string;
  campaignId: string;
  profile: JurisdictionProfile;
  rules?: RetryRules;
  /** A taken lead not settled within this time returns to the list (lost outcome). */
  leaseMs?: number;
  /** A call-back is its agent's alone this long after it is due, then the team's. */
  callbackGraceMs?: number;
  /** Allocated leads left untouched this long go back to the pool. */
  recycleAfterMs?: number;
}

const localDays = new Map<string, Intl.DateTimeFormat>();
/** The callee's calendar day (YYYY-MM-DD) in `tz` at `atMs`. */
export function localDay(tz: string, atMs: number): string {
  let fmt = localDays.get(tz);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat("en-CA", {
      timeZone: tz,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    });
    localDays.set(tz, fmt);
  }
  return fmt.format(atMs);
}

export class RedisDialingList {
  readonly orgId: string;
  readonly campaignId: string;
  readonly #redis: Redis;
  readonly #profile: JurisdictionProfile;
  readonly #rules: RetryRules;
  readonly #leaseMs: number;
  readonly #graceMs: number;
  readonly #recycleMs: number;
  readonly #p: string;

  constructor(o: DialingListOptions) {
    this.#redis = o.redis;
    this.orgId = o.orgId;
    this.campaignId = o.campaignId;
    this.#profile = o.profile;
    this.#rules = o.rules ?? DEFAULT_RETRY_RULES;
    this.#leaseMs = o.leaseMs ?? 30 * 60_000;
    this.#graceMs = o.callbackGraceMs ?? 10 * 60_000;
    this.#recycleMs = o.recycleAfterMs ?? 24 * 3_600_000;
    this.#p = listKeys.prefix(o.orgId, o.campaignId);
  }

  /** The list of a configured campaign, with its profile, retry rules, grace and recycle times. */
  static forCampaign(redis: Redis, orgId: string, c: CampaignConfig, leaseMs?: number): RedisDialingList {
    return new RedisDialingList({
      redis,
      orgId,
      campaignId: c.id,
      profile: profileOf(c),
      rules: retryRulesOf(c),
      callbackGraceMs: c.callback_grace_s * 1000,
      recycleAfterMs: c.recycle_after_h * 3_600_000,
      ...(leaseMs ? { leaseMs } : {}),
    });
  }

  get recycleAfterMs(): number {
    return this.#recycleMs;
  }

  async #eval(script: string, args: (string | number)[]): Promise<unknown> {
    return await this.#redis.eval(script, { keys: [], arguments: [this.#p, ...args.map(String)] });
  }

  /** Adds a lead (due now); false when the campaign already has it. Phones are stored as E.164. */
  async add(lead: ListLeadInput, now = Date.now()): Promise<boolean> {
    const phone = normalisePhone(lead.phone) ?? lead.phone;
    const fields = ["phone", phone, "tz", lead.tz ?? "", "consent", lead.consent ? "1" : "0"];
    if (lead.name) fields.push("name", lead.name);
    fields.push("team", lead.teamId ?? "", "agent", lead.agentId ?? "");
    return (await this.#eval(ADD, [lead.leadId, now, this.#recycleMs, ...fields])) === 1;
  }

  /**
   * Takes up to `n` leads that may be dialed now, for `who`: an agent's own leads first, then
   * their teams', then the pool. DNC/blacklisted numbers and exhausted leads are closed in Redis;
   * leads outside their calling window or over today's attempts go back to wait.
   */
  async take(n: number, now = Date.now(), who: Taker = {}): Promise<TakeResult> {
    const result: TakeResult = { leads: [], skipped: [], released: [] };
    if (n <= 0) return result;
    const queues = [
      ...(who.agentId ? [`agent:${who.agentId}`] : []),
      ...(who.teamIds ?? []).map((t) => `team:${t}`),
      "callbacks",
      "fresh",
      "recycled",
    ];
    const raw = (await this.#eval(TAKE, [
      now,
      n,
      this.#profile.maxAttemptsPerCampaign,
      now + this.#leaseMs,
      this.#recycleMs,
      listKeys.dnc(this.orgId),
      listKeys.blacklist(this.orgId),
      ...queues,
    ])) as [string[][], string[][], string[][]];
    for (const [leadId, reason, phone] of raw[1])
      result.skipped.push({ leadId: leadId!, reason: reason as SkipReason, phone: phone! });
    for (const [leadId, to, teamId] of raw[2])
      result.released.push({ leadId: leadId!, to: to as "team" | "pool", ...(teamId ? { teamId } : {}) });
    for (const row of raw[0]) {
      const lead = takenLead(row);
      const skip = await this.#gate(lead, now);
      if (skip) result.skipped.push({ leadId: lead.leadId, reason: skip, phone: lead.phone });
      else result.leads.push(lead);
    }
    return result;
  }

  /** Window, time zone and today's attempts of a taken lead; a lead that may not be dialed goes back. */
  async #gate(lead: TakenLead, now: number): Promise<SkipReason | null> {
    const zones = calleeZones(lead.phone, lead.tz);
    const w = this.#profile.window;
    if (zones.length === 0) {
      await this.settle(lead.leadId, "blocked", now, { close: "timezone_unknown", undo: true });
      return "timezone_unknown";
    }
    if (!insideWindow(zones, w, now)) {
      const open = nextWindowOpen(zones, w, now) ?? now + 3_600_000;
      await this.settle(lead.leadId, "blocked", now, { dueAt: open, undo: true });
      return "outside_window";
    }
    const zone = zones[0]!;
    const counted = await this.#eval(COUNT_DAY, [
      lead.leadId,
      localDay(zone, now),
      this.#profile.maxAttemptsPerDay,
    ]);
    if (counted === -1) {
      const midnight = now + (1440 - localMinutes(zone, now)) * 60_000;
      const open = nextWindowOpen(zones, w, midnight) ?? midnight + 3_600_000;
      await this.settle(lead.leadId, "blocked", now, { dueAt: open, undo: true });
      return "max_attempts_day";
    }
    return null;
  }

  /**
   * Settles a taken lead after its attempt: retried per the rules (back to its owner or the
   * pool), a call-back for an agent at a set time (theirs alone for the grace period, then their
   * team's), or closed (also when the outcome's retries are used up).
   */
  async settle(
    leadId: string,
    outcome: ListOutcome,
    now = Date.now(),
    o: {
      callbackAt?: number;
      agentId?: string;
      teamId?: string;
      dueAt?: number;
      close?: string;
      undo?: boolean;
    } = {},
  ): Promise<boolean> {
    let due: number | null;
    if (o.close) due = null;
    else if (o.callbackAt !== undefined) due = o.callbackAt;
    else if (o.dueAt !== undefined) due = o.dueAt;
    else if (outcome === "blocked") due = null;
    else due = nextAttemptAt(outcome, now, this.#rules);
    const max =
      outcome !== "blocked" && o.callbackAt === undefined && o.dueAt === undefined
        ? this.#rules.maxRetries[outcome]
        : undefined;
    const r = await this.#eval(SETTLE, [
      leadId,
      due === null ? "done" : due,
      o.close ?? outcome,
      o.undo ? "undo" : "",
      max ?? "",
      o.callbackAt !== undefined ? "cb" : "",
      o.agentId ?? "",
      o.teamId ?? "",
      this.#graceMs,
      this.#recycleMs,
    ]);
    return r === 1;
  }

  /**
   * Leads whose lease ran out (their outcome never came back) return to be dialed again; held
   * leads past their hold are released (call-backs to the team, untouched allocations to the pool).
   */
  async sweep(now = Date.now()): Promise<number> {
    const expired = await this.#redis.zRangeByScore(listKeys.taken(this.orgId, this.campaignId), "-inf", now);
    let n = 0;
    for (const id of expired) if (await this.settle(id, "network", now, { dueAt: now })) n++;
    await this.release(now);
    return n;
  }

  /** Releases held leads past their hold; returns where each went. */
  async release(now = Date.now()): Promise<TakeResult["released"]> {
    const raw = (await this.#eval(RELEASE, [now, this.#recycleMs])) as string[][];
    return raw.map(([leadId, to, teamId]) => ({
      leadId: leadId!,
      to: to as "team" | "pool",
      ...(teamId ? { teamId } : {}),
    }));
  }

  async sizes(): Promise<{
    callbacks: number;
    fresh: number;
    recycled: number;
    taken: number;
    held: number;
  }> {
    const [callbacks, fresh, recycled, taken, held] = await Promise.all([
      this.#redis.zCard(`${this.#p}callbacks`),
      this.#redis.zCard(`${this.#p}fresh`),
      this.#redis.zCard(`${this.#p}recycled`),
      this.#redis.zCard(`${this.#p}taken`),
      this.#redis.zCard(`${this.#p}held`),
    ]);
    return { callbacks, fresh, recycled, taken, held };
  }

  /** The stored state of a lead (tests, support). */
  async lead(leadId: string): Promise<Record<string, string>> {
    return await this.#redis.hGetAll(listKeys.leadPrefix(this.orgId, this.campaignId) + leadId);
  }
}

function takenLead(row: string[]): TakenLead {
  const [leadId, phone, tz, consent, attemptNo, , , team, agent, cb] = row;
  return {
    leadId: leadId!,
    phone: phone!,
    consent: consent === "1",
    attemptNo: Number(attemptNo),
    callback: cb === "1",
    ...(tz ? { tz } : {}),
    ...(team ? { teamId: team } : {}),
    ...(agent ? { agentId: agent } : {}),
  };
}
