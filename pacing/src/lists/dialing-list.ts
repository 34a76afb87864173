// The persistent dialing list of a campaign, in Redis: which leads are due now and in which order
// (call-backs, then fresh leads, then recycled ones), atomic take with a lease so two dialers never
// take the same lead, and the retry schedule applied as outcomes come back. History stays in
// ClickHouse; this is the working set the live pacing service dials from.
import type { createClient } from "redis";
import { normalisePhone } from "../compliance/dnc.ts";
import type { JurisdictionProfile } from "../compliance/profiles.ts";
import { DEFAULT_RETRY_RULES, nextAttemptAt, type RetryRules } from "../compliance/retry.ts";
import { calleeZones, insideWindow, nextWindowOpen } from "../compliance/window.ts";
import type { CallOutcome } from "../sim/runner.ts";
import { ADD, SETTLE, TAKE } from "./lua.ts";

type Redis = ReturnType<typeof createClient>;

export const listKeys = {
  queue: (org: string, campaign: string, q: "callbacks" | "fresh" | "recycled") =>
    `cc:list:${org}:${campaign}:${q}`,
  taken: (org: string, campaign: string) => `cc:list:${org}:${campaign}:taken`,
  leadPrefix: (org: string, campaign: string) => `cc:list:${org}:${campaign}:lead:`,
  dnc: (org: string) => `cc:dnc:${org}`,
};

export interface ListLeadInput {
  leadId: string;
  phone: string;
  tz?: string;
  consent?: boolean;
  name?: string;
}

export interface TakenLead {
  leadId: string;
  phone: string;
  tz?: string;
  consent: boolean;
  attemptNo: number;
}

export type ListOutcome = CallOutcome | "blocked";

export interface TakeResult {
  leads: TakenLead[];
  /** Leads closed or deferred on the way, with why (audit, metrics). */
  skipped: { leadId: string; reason: "dnc" | "max_attempts" | "outside_window" | "timezone_unknown" }[];
}

export class RedisDialingList {
  readonly orgId: string;
  readonly campaignId: string;
  readonly #redis: Redis;
  readonly #profile: JurisdictionProfile;
  readonly #rules: RetryRules;
  readonly #leaseMs: number;

  constructor(o: {
    redis: Redis;
    orgId: string;
    campaignId: string;
    profile: JurisdictionProfile;
    rules?: RetryRules;
    /** A taken lead not settled within this time returns to the list (lost outcome). */
    leaseMs?: number;
  }) {
    this.#redis = o.redis;
    this.orgId = o.orgId;
    this.campaignId = o.campaignId;
    this.#profile = o.profile;
    this.#rules = o.rules ?? DEFAULT_RETRY_RULES;
    this.#leaseMs = o.leaseMs ?? 30 * 60_000;
  }

  #k(q: "callbacks" | "fresh" | "recycled"): string {
    return listKeys.queue(this.orgId, this.campaignId, q);
  }

  #lead(id: string): string {
    return listKeys.leadPrefix(this.orgId, this.campaignId) + id;
  }

  /** Adds a lead (due now); false when the campaign already has it. Phones are stored as E.164. */
  async add(lead: ListLeadInput, now = Date.now()): Promise<boolean> {
    const phone = normalisePhone(lead.phone) ?? lead.phone;
    const fields = ["phone", phone, "tz", lead.tz ?? "", "consent", lead.consent ? "1" : "0"];
    if (lead.name) fields.push("name", lead.name);
    const r = await this.#redis.eval(ADD, {
      keys: [this.#lead(lead.leadId), this.#k("fresh")],
      arguments: [lead.leadId, String(now), ...fields],
    });
    return r === 1;
  }

  /**
   * Takes up to `n` leads that may be dialed now. DNC numbers and exhausted leads are closed in
   * Redis; leads outside their calling window go back to wait for it.
   */
  async take(n: number, now = Date.now()): Promise<TakeResult> {
    const result: TakeResult = { leads: [], skipped: [] };
    if (n <= 0) return result;
    const raw = (await this.#redis.eval(TAKE, {
      keys: [
        this.#k("callbacks"),
        this.#k("fresh"),
        this.#k("recycled"),
        listKeys.taken(this.orgId, this.campaignId),
        listKeys.dnc(this.orgId),
      ],
      arguments: [
        String(now),
        String(n),
        String(this.#profile.maxAttemptsPerCampaign),
        String(now + this.#leaseMs),
        listKeys.leadPrefix(this.orgId, this.campaignId),
      ],
    })) as [string[][], string[][]];
    for (const [leadId, reason] of raw[1]) {
      result.skipped.push({ leadId: leadId!, reason: reason as "dnc" | "max_attempts" });
    }
    for (const [leadId, phone, tz, consent, attemptNo] of raw[0]) {
      const lead: TakenLead = {
        leadId: leadId!,
        phone: phone!,
        consent: consent === "1",
        attemptNo: Number(attemptNo),
        ...(tz ? { tz } : {}),
      };
      const zones = calleeZones(lead.phone, lead.tz);
      if (zones.length === 0) {
        await this.settle(lead.leadId, "blocked", now, { close: "timezone_unknown", undo: true });
        result.skipped.push({ leadId: lead.leadId, reason: "timezone_unknown" });
      } else if (!insideWindow(zones, this.#profile.window, now)) {
        const open = nextWindowOpen(zones, this.#profile.window, now) ?? now + 3_600_000;
        await this.settle(lead.leadId, "blocked", now, { dueAt: open, undo: true });
        result.skipped.push({ leadId: lead.leadId, reason: "outside_window" });
      } else result.leads.push(lead);
    }
    return result;
  }

  /**
   * Settles a taken lead after its attempt: retried per the rules (into "recycled"), called back
   * at a set time (into "callbacks"), or closed.
   */
  async settle(
    leadId: string,
    outcome: ListOutcome,
    now = Date.now(),
    o: { callbackAt?: number; dueAt?: number; close?: string; undo?: boolean } = {},
  ): Promise<boolean> {
    let queue: "callbacks" | "recycled" = "recycled";
    let due: number | null;
    if (o.close) due = null;
    else if (o.callbackAt !== undefined) {
      queue = "callbacks";
      due = o.callbackAt;
    } else if (o.dueAt !== undefined) due = o.dueAt;
    else if (outcome === "blocked") due = null;
    else due = nextAttemptAt(outcome, now, this.#rules);
    const r = await this.#redis.eval(SETTLE, {
      keys: [listKeys.taken(this.orgId, this.campaignId), this.#k(queue), this.#lead(leadId)],
      arguments: [leadId, due === null ? "done" : String(due), o.close ?? outcome, o.undo ? "undo" : ""],
    });
    return r === 1;
  }

  /** Leads whose lease ran out (their outcome never came back) return to be dialed again. */
  async sweep(now = Date.now()): Promise<number> {
    const expired = await this.#redis.zRangeByScore(listKeys.taken(this.orgId, this.campaignId), "-inf", now);
    let n = 0;
    for (const id of expired) if (await this.settle(id, "network", now, { dueAt: now })) n++;
    return n;
  }

  async sizes(): Promise<{ callbacks: number; fresh: number; recycled: number; taken: number }> {
    const [callbacks, fresh, recycled, taken] = await Promise.all([
      this.#redis.zCard(this.#k("callbacks")),
      this.#redis.zCard(this.#k("fresh")),
      this.#redis.zCard(this.#k("recycled")),
      this.#redis.zCard(listKeys.taken(this.orgId, this.campaignId)),
    ]);
    return { callbacks, fresh, recycled, taken };
  }

  /** The stored state of a lead (tests, support). */
  async lead(leadId: string): Promise<Record<string, string>> {
    return await this.#redis.hGetAll(this.#lead(leadId));
  }
}

/** The org's do-not-call list (黑名单), as E.164 numbers in a Redis set shared by every service. */
export class DncStore {
  readonly #redis: Redis;
  readonly #key: string;

  constructor(redis: Redis, orgId: string) {
    this.#redis = redis;
    this.#key = listKeys.dnc(orgId);
  }

  static #norm(phone: string): string {
    return normalisePhone(phone) ?? phone;
  }

  async add(...phones: string[]): Promise<void> {
    if (phones.length) await this.#redis.sAdd(this.#key, phones.map(DncStore.#norm));
  }

  async remove(phone: string): Promise<void> {
    await this.#redis.sRem(this.#key, DncStore.#norm(phone));
  }

  async has(phone: string): Promise<boolean> {
    return (await this.#redis.sIsMember(this.#key, DncStore.#norm(phone))) === 1;
  }

  async size(): Promise<number> {
    return await this.#redis.sCard(this.#key);
  }
}
