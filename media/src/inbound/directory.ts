// Caller-ID lookup for inbound calls: one Redis round trip (pipeline) answers who the caller is
// (customer index by normalised phone, filled from lead events), whether the number is on the
// org's blacklist (the phone firewall) and which agent last spoke to them (written at each
// inbound bridge). Keys:
//   cc:callers:<org>            hash  phone → {"lead_id","name","owner"}
//   cc:callers:leads:<org>      hash  lead_id → phone (so lead.assigned can set the owner)
//   cc:blacklist:<org>          set   phones refused with 603
//   cc:inbound:last:<org>:<phone>  string agent id, expires after remember_agent_days
import type { CallCenterEvent } from "@cc/ingest";
import type { createClient } from "redis";
import { z } from "zod";

type Redis = ReturnType<typeof createClient>;

export const keys = {
  callers: (org: string) => `cc:callers:${org}`,
  leads: (org: string) => `cc:callers:leads:${org}`,
  blacklist: (org: string) => `cc:blacklist:${org}`,
  lastAgent: (org: string, phone: string) => `cc:inbound:last:${org}:${phone}`,
};

const CallerRecord = z.object({
  lead_id: z.string(),
  name: z.string().optional(),
  owner: z.string().optional(),
});
export type CallerRecord = z.infer<typeof CallerRecord>;

export interface CallerLookup {
  phone: string;
  class: "new" | "existing" | "blacklisted";
  customer: CallerRecord | null;
  lastAgent: string | null;
  ms: number;
}

/**
 * A caller id as carriers send it (E.164, 00-prefixed, national with trunk 0, Chinese mobile
 * 11 digits, or a SIP URI) → E.164 where the shape is known; other strings come back trimmed.
 */
export function normalisePhone(raw: string, countryCode = "86"): string {
  const user = raw
    .replace(/^sips?:/, "")
    .replace(/@.*$/, "")
    .replace(/;.*$/, "");
  const plus = user.trim().startsWith("+");
  const digits = user.replace(/[^0-9]/g, "");
  if (!digits) return user.trim().slice(0, 32);
  if (plus) return `+${digits}`;
  if (digits.startsWith("00")) return `+${digits.slice(2)}`;
  if (countryCode === "86" && /^1[3-9][0-9]{9}$/.test(digits)) return `+86${digits}`;
  if (digits.startsWith("0") && digits.length >= 8) return `+${countryCode}${digits.slice(1)}`;
  if (digits.startsWith(countryCode) && digits.length >= 10) return `+${digits}`;
  return digits;
}

export class CallerDirectory {
  readonly #redis: Redis;
  readonly #org: string;
  readonly #countryCode: string;
  readonly #rememberS: number;

  constructor(redis: Redis, org: string, opts: { countryCode?: string; rememberDays?: number } = {}) {
    this.#redis = redis;
    this.#org = org;
    this.#countryCode = opts.countryCode ?? "86";
    this.#rememberS = Math.round((opts.rememberDays ?? 30) * 86_400);
  }

  normalise(raw: string): string {
    return normalisePhone(raw, this.#countryCode);
  }

  async lookup(rawCaller: string): Promise<CallerLookup> {
    const started = performance.now();
    const phone = this.normalise(rawCaller);
    const [record, blocked, last] = (await this.#redis
      .multi()
      .hGet(keys.callers(this.#org), phone)
      .sIsMember(keys.blacklist(this.#org), phone)
      .get(keys.lastAgent(this.#org, phone))
      .execAsPipeline()) as unknown as [string | null, number | boolean, string | null];
    const parsed = record ? CallerRecord.safeParse(JSON.parse(record)) : null;
    const customer = parsed?.success ? parsed.data : null;
    return {
      phone,
      class: blocked === 1 || blocked === true ? "blacklisted" : customer ? "existing" : "new",
      customer,
      lastAgent: last,
      ms: performance.now() - started,
    };
  }

  async rememberAgent(phone: string, agentId: string): Promise<void> {
    if (this.#rememberS <= 0) return;
    await this.#redis.set(keys.lastAgent(this.#org, phone), agentId, { EX: this.#rememberS });
  }

  async blacklist(rawPhone: string, on = true): Promise<void> {
    const phone = this.normalise(rawPhone);
    if (on) await this.#redis.sAdd(keys.blacklist(this.#org), phone);
    else await this.#redis.sRem(keys.blacklist(this.#org), phone);
  }

  /** Indexes a customer (lead.created) and their owner (lead.assigned, or who entered them). */
  async apply(e: CallCenterEvent): Promise<void> {
    if (e.kind === "lead.created") {
      const phone = this.normalise(e.phone);
      const prev = await this.#redis.hGet(keys.callers(this.#org), phone);
      const owner = e.agent_id ?? (prev ? CallerRecord.safeParse(JSON.parse(prev)).data?.owner : undefined);
      const rec: CallerRecord = {
        lead_id: e.lead_id,
        ...(e.name ? { name: e.name } : {}),
        ...(owner ? { owner } : {}),
      };
      await this.#redis
        .multi()
        .hSet(keys.callers(this.#org), phone, JSON.stringify(rec))
        .hSet(keys.leads(this.#org), e.lead_id, phone)
        .exec();
      return;
    }
    if (e.kind === "lead.assigned" && e.agent_id) {
      const phone = await this.#redis.hGet(keys.leads(this.#org), e.lead_id);
      if (!phone) return;
      const prev = await this.#redis.hGet(keys.callers(this.#org), phone);
      const rec = prev ? CallerRecord.safeParse(JSON.parse(prev)).data : undefined;
      if (!rec) return;
      await this.#redis.hSet(keys.callers(this.#org), phone, JSON.stringify({ ...rec, owner: e.agent_id }));
    }
  }
}
