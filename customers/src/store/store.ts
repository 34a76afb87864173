// CustomerStore: the one entry point pages, the console and the release scheduler call. Every
// method takes the asking Actor and enforces visibility here, on the server; every rule runs as
// one Lua script that also appends the accepted event to the outbox (see lua.ts).
import { createHash } from "node:crypto";
import { type CallCenterEvent, type EventFields, makeEvent, newEventId, normalisePhone } from "@cc/ingest";
import { DEFAULT_DISPOSITIONS } from "../followups/dispositions.ts";
import { DEFAULT_ORDER_GRADE_RULES, gradeByOrders, nextContactDay } from "../grading/grading.ts";
import {
  addDays,
  assertTimeZone,
  expiryDay,
  localDate,
  localMonth,
  releaseInstant,
  reminderInstant,
  startOfLocalDay,
} from "../ownership/calendar.ts";
import { checkFields, knownFields } from "../records/fields.ts";
import type {
  Actor,
  Customer,
  CustomerInput,
  CustomerPatch,
  DueItem,
  DueList,
  ExtensionRequest,
  FollowUp,
  FollowUpInput,
  Grade,
  ListFilter,
  OrderAttribution,
  OrgSettingsInput,
  Page,
  ReassignReport,
  ReassignRequest,
  Refusal,
  ReleaseReport,
  Reminder,
  Result,
  SearchHit,
} from "../records/types.ts";
import { OrgSettings, repOf } from "../records/types.ts";
import { canManage, canSee, managesTeams, seesAll } from "../records/visibility.ts";
import { nameCompanyKey } from "../search/bigrams.ts";
import type { CustomerSearchIndex } from "../search/index.ts";
import { decodeCustomer, recordPairs } from "./codec.ts";
import { custKeys, ORGS, orgPrefix } from "./keys.ts";
import * as lua from "./lua.ts";
import { type Redis, runScript } from "./redis.ts";

export interface CustomerStoreOptions {
  redis: Redis;
  /** Injected clock: tests and benchmarks drive days and 10:00 releases with it. */
  clock?: () => number;
  /** The in-process fuzzy index for name/company search (phones are exact in Redis). */
  searchIndex?: CustomerSearchIndex;
  /** How long org settings are cached (ms). */
  settingsTtlMs?: number;
}

const ok = <T extends object>(v: T): Result<T> => ({ ok: true, ...v }) as Result<T>;
const refuse = <T>(r: Refusal): Result<T> => ({ ok: false, ...r }) as Result<T>;

/** A script's refusal reply → a typed refusal. */
function refusal(reply: string[]): Refusal {
  const [reason, a = "", b = "", c = ""] = reply;
  switch (reason) {
    case "duplicate":
      return { reason, customerId: a, match: b as "phone" | "name_company", ...(c ? { heldBy: c } : {}) };
    case "held_by_other":
      return {
        reason,
        heldBy: a,
        ...(b ? { heldUntil: Number(b) } : {}),
        ...(c ? { groupId: c } : {}),
      };
    case "quota_full":
      return { reason, quota: Number(a), held: Number(b) };
    case "extension_used_this_month":
      return { reason, month: a };
    case "extension_pending":
      return { reason, requestId: a };
    case "other_group":
      return { reason, groupId: a };
    case "not_found":
    case "already_held":
    case "not_held":
    case "already_decided":
    case "deal_signed":
      return { reason };
    default:
      return { reason: "invalid", issues: [{ path: "(state)", message: `changed meanwhile: ${reason}` }] };
  }
}

export class CustomerStore {
  readonly redis: Redis;
  readonly #clock: () => number;
  readonly #index: CustomerSearchIndex | undefined;
  readonly #settingsTtl: number;
  readonly #settings = new Map<string, { at: number; s: OrgSettings }>();

  constructor(o: CustomerStoreOptions) {
    this.redis = o.redis;
    this.#clock = o.clock ?? Date.now;
    this.#index = o.searchIndex;
    this.#settingsTtl = o.settingsTtlMs ?? 5_000;
  }

  now(): number {
    return this.#clock();
  }

  /** The event JSON for the outbox; `at` is the command's instant (the holder timeline uses it too). */
  #event(fields: EventFields, at: number = this.#clock()): string {
    return JSON.stringify(makeEvent(fields, at));
  }

  async #run(script: string, org: string, args: string[]): Promise<string[]> {
    return await runScript(this.redis, script, [orgPrefix(org), ...args]);
  }

  // ── settings ────────────────────────────────────────────────────────────────────────────────

  async settings(orgId: string): Promise<OrgSettings> {
    const hit = this.#settings.get(orgId);
    if (hit && this.#clock() - hit.at < this.#settingsTtl) return hit.s;
    const raw = await this.redis.get(custKeys.settings(orgId));
    const s = OrgSettings.parse(raw ? JSON.parse(raw) : {});
    if (s.orderGradeRules.length === 0) s.orderGradeRules = DEFAULT_ORDER_GRADE_RULES;
    if (s.dispositions.length === 0) s.dispositions = DEFAULT_DISPOSITIONS;
    this.#settings.set(orgId, { at: this.#clock(), s });
    return s;
  }

  /** Directors and admins change the org's rules, fields, grading and dispositions. */
  async updateSettings(
    actor: Actor,
    patch: Partial<OrgSettingsInput>,
  ): Promise<Result<{ settings: OrgSettings }>> {
    if (actor.role !== "director" && actor.role !== "admin") return refuse({ reason: "forbidden" });
    const raw = await this.redis.get(custKeys.settings(actor.orgId));
    const parsed = OrgSettings.safeParse({ ...(raw ? JSON.parse(raw) : {}), ...patch });
    if (!parsed.success) {
      return refuse({
        reason: "invalid",
        issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
      });
    }
    try {
      assertTimeZone(parsed.data.timeZone);
    } catch {
      return refuse({ reason: "invalid", issues: [{ path: "timeZone", message: "unknown time zone" }] });
    }
    await this.redis.set(custKeys.settings(actor.orgId), JSON.stringify(parsed.data));
    await this.redis.sAdd(ORGS, actor.orgId);
    this.#settings.delete(actor.orgId);
    return ok({ settings: await this.settings(actor.orgId) });
  }

  /** Per-rep quota override (null = the org's quota again); managers of the rep's team or directors. */
  async setRepQuota(actor: Actor, repId: string, quota: number | null): Promise<Result<object>> {
    if (!seesAll(actor) && !managesTeams(actor)) return refuse({ reason: "forbidden" });
    if (actor.role === "analyst") return refuse({ reason: "forbidden" });
    if (quota === null) await this.redis.hDel(custKeys.quota(actor.orgId), repId);
    else if (!Number.isInteger(quota) || quota < 0) {
      return refuse({
        reason: "invalid",
        issues: [{ path: "quota", message: "must be a whole number ≥ 0" }],
      });
    } else await this.redis.hSet(custKeys.quota(actor.orgId), repId, String(quota));
    return ok({});
  }

  /** The quota that applies to a rep and how many protected holds they have now. */
  async quotaOf(orgId: string, repId: string): Promise<{ quota: number; held: number }> {
    const [override, held, s] = await Promise.all([
      this.redis.hGet(custKeys.quota(orgId), repId),
      this.redis.sCard(custKeys.held(orgId, repId)),
      this.settings(orgId),
    ]);
    return { quota: override ? Number(override) : s.quota, held: Number(held) };
  }

  // ── records ─────────────────────────────────────────────────────────────────────────────────

  async #raw(orgId: string, id: string): Promise<Customer | undefined> {
    return decodeCustomer(orgId, id, await this.redis.hGetAll(custKeys.record(orgId, id)));
  }

  async #many(orgId: string, ids: string[]): Promise<Customer[]> {
    if (ids.length === 0) return [];
    const m = this.redis.multi();
    for (const id of ids) m.hGetAll(custKeys.record(orgId, id));
    const rows = (await m.execAsPipeline()) as unknown as Record<string, string>[];
    const out: Customer[] = [];
    ids.forEach((id, i) => {
      const c = decodeCustomer(orgId, id, rows[i] ?? {});
      if (c) out.push(c);
    });
    return out;
  }

  async getCustomer(actor: Actor, customerId: string): Promise<Result<{ customer: Customer }>> {
    const c = await this.#raw(actor.orgId, customerId);
    if (!c) return refuse({ reason: "not_found" });
    if (!canSee(actor, c)) return refuse({ reason: "forbidden" });
    return ok({ customer: c });
  }

  /** Phones to E.164 (numbers without a country code are read as mainland China's). */
  #phones(input: string[] | undefined): { phones: string[]; bad: string[] } {
    const phones: string[] = [];
    const bad: string[] = [];
    for (const p of input ?? []) {
      const n = normalisePhone(p, "CN");
      if (!n.ok) bad.push(n.message);
      else if (!phones.includes(n.e164)) phones.push(n.e164);
    }
    return { phones, bad };
  }

  /**
   * New customer, checked against the master pool: a phone or name+company already known is
   * refused with the existing customer (and who holds it). Agents take it into their hold unless
   * `hold: false`; the quota applies.
   */
  async createCustomer(
    actor: Actor,
    input: CustomerInput,
  ): Promise<Result<{ customer: Customer; missingImportant: string[] }>> {
    const s = await this.settings(actor.orgId);
    const prep = this.#prepareCreate(actor, input, s, this.#clock());
    if (!prep.ok) return refuse(prep.refusal);
    const reply = await this.#run(lua.CREATE, actor.orgId, prep.args);
    if (reply[0] !== "ok") return refuse(refusal(reply));
    await this.redis.sAdd(ORGS, actor.orgId);
    this.#index?.upsert(prep.id, prep.name, prep.company);
    const customer = await this.#raw(actor.orgId, prep.id);
    if (!customer) return refuse({ reason: "not_found" });
    return ok({ customer, missingImportant: prep.missingImportant });
  }

  /**
   * Bulk create (imports, the leads-and-lists interface): the same checks per customer as
   * createCustomer, pipelined in chunks; each customer is its own atomic step.
   */
  async createCustomers(
    actor: Actor,
    inputs: CustomerInput[],
    chunk = 500,
  ): Promise<{ created: string[]; refused: { index: number; refusal: Refusal }[] }> {
    const s = await this.settings(actor.orgId);
    const out: { created: string[]; refused: { index: number; refusal: Refusal }[] } = {
      created: [],
      refused: [],
    };
    await this.redis.sAdd(ORGS, actor.orgId);
    for (let from = 0; from < inputs.length; from += chunk) {
      const m = this.redis.multi();
      const sent: { index: number; id: string; name: string; company: string }[] = [];
      for (let i = from; i < Math.min(inputs.length, from + chunk); i++) {
        const prep = this.#prepareCreate(actor, inputs[i] as CustomerInput, s, this.#clock());
        if (!prep.ok) {
          out.refused.push({ index: i, refusal: prep.refusal });
          continue;
        }
        m.evalSha(this.#sha(lua.CREATE), { keys: [], arguments: [orgPrefix(actor.orgId), ...prep.args] });
        sent.push({ index: i, id: prep.id, name: prep.name, company: prep.company });
      }
      if (sent.length === 0) continue;
      const replies = (await this.#execScripts(m, lua.CREATE)) as string[][];
      sent.forEach((x, k) => {
        const r = replies[k] ?? ["invalid"];
        if (r[0] === "ok") {
          out.created.push(x.id);
          this.#index?.upsert(x.id, x.name, x.company);
        } else out.refused.push({ index: x.index, refusal: refusal(r) });
      });
    }
    return out;
  }

  #prepareCreate(
    actor: Actor,
    input: CustomerInput,
    s: OrgSettings,
    now: number,
  ):
    | { ok: true; id: string; name: string; company: string; args: string[]; missingImportant: string[] }
    | { ok: false; refusal: Refusal } {
    const { phones, bad } = this.#phones(input.phones);
    if (bad.length || !input.name?.trim()) {
      const issues = bad.map((message) => ({ path: "phones", message }));
      if (!input.name?.trim()) issues.push({ path: "name", message: "required" });
      return { ok: false, refusal: { reason: "invalid", issues } };
    }
    const fields = knownFields(s.fields, input.fields ?? {});
    const check = checkFields(s.fields, fields);
    if (check.missingRequired.length) {
      return { ok: false, refusal: { reason: "required_missing", fields: check.missingRequired } };
    }
    const id = newEventId();
    const rep = repOf(actor);
    const hold = input.hold ?? actor.role === "agent";
    const group = input.groupId ?? actor.teamIds[0] ?? "";
    if (hold && !group) {
      return {
        ok: false,
        refusal: {
          reason: "invalid",
          issues: [{ path: "groupId", message: "a held customer needs a group" }],
        },
      };
    }
    const base = {
      name: input.name.trim(),
      company: input.company?.trim() ?? "",
      phones,
      contacts: input.contacts ?? [],
      fields,
      ...(input.leadId ? { leadId: input.leadId } : {}),
      createdAt: now,
      createdBy: actor.userId,
    };
    const day = expiryDay(s, now);
    const until = releaseInstant(s, day);
    const created = this.#event(
      {
        kind: "customer.created",
        org_id: actor.orgId,
        customer_id: id,
        ...(input.leadId ? { lead_id: input.leadId } : {}),
        name: base.name,
        company: base.company,
        phones,
        contacts: base.contacts,
        fields,
        source: input.source ?? "manual",
        created_by: actor.userId,
      },
      now,
    );
    const claimed = hold
      ? this.#event(
          {
            kind: "customer.claimed",
            org_id: actor.orgId,
            customer_id: id,
            agent_id: rep,
            group_id: group,
            held_until: new Date(until).toISOString(),
            via: "create",
            by: actor.userId,
          },
          now,
        )
      : "";
    const args = [
      id,
      String(now),
      nameCompanyKey(base.name, base.company),
      phones.join(","),
      hold ? rep : "",
      group,
      String(until),
      String(reminderInstant(s, day)),
      String(s.quota),
      created,
      claimed,
      ...recordPairs(base),
    ];
    return {
      ok: true,
      id,
      name: base.name,
      company: base.company,
      args,
      missingImportant: check.missingImportant,
    };
  }

  /** Edit a record the actor may see; required fields cannot be emptied, important ones are reminded together. */
  async updateCustomer(
    actor: Actor,
    customerId: string,
    patch: CustomerPatch,
  ): Promise<Result<{ customer: Customer; missingImportant: string[] }>> {
    const cur = await this.#raw(actor.orgId, customerId);
    if (!cur) return refuse({ reason: "not_found" });
    if (!canSee(actor, cur) || (cur.ownerId === undefined && !seesAll(actor) && actor.role === "agent")) {
      return refuse({ reason: "forbidden" });
    }
    const s = await this.settings(actor.orgId);
    const ph = patch.phones ? this.#phones(patch.phones) : undefined;
    if (ph?.bad.length) {
      return refuse({
        reason: "invalid",
        issues: ph.bad.map((message) => ({ path: "phones", message })),
      });
    }
    if (patch.name !== undefined && !patch.name.trim()) {
      return refuse({ reason: "invalid", issues: [{ path: "name", message: "required" }] });
    }
    const fields = knownFields(s.fields, patch.fields ?? {});
    const merged = { ...cur.fields, ...fields };
    const check = checkFields(s.fields, merged);
    if (check.missingRequired.length)
      return refuse({ reason: "required_missing", fields: check.missingRequired });
    const name = patch.name?.trim() ?? cur.name;
    const company = patch.company?.trim() ?? cur.company;
    const nameChanged = name !== cur.name || company !== cur.company;
    const now = this.#clock();
    const set: string[] = ["updated_at", String(now)];
    const del: string[] = [];
    if (nameChanged) set.push("name", name, "company", company);
    if (ph) set.push("phones", ph.phones.join(","));
    if (patch.contacts) set.push("contacts", JSON.stringify(patch.contacts));
    for (const [k, v] of Object.entries(fields)) {
      if (v === "") del.push(`f:${k}`);
      else set.push(`f:${k}`, v);
    }
    const event = this.#event({
      kind: "customer.updated",
      org_id: actor.orgId,
      customer_id: customerId,
      ...(nameChanged ? { name, company } : {}),
      ...(ph ? { phones: ph.phones } : {}),
      ...(patch.contacts ? { contacts: patch.contacts } : {}),
      fields,
      updated_by: actor.userId,
    });
    const reply = await this.#run(lua.UPDATE, actor.orgId, [
      customerId,
      String(now),
      nameChanged ? nameCompanyKey(name, company) : "",
      ph ? ph.phones.join(",") : "-",
      event,
      String(set.length / 2),
      ...set,
      ...del,
    ]);
    if (reply[0] !== "ok") return refuse(refusal(reply));
    if (nameChanged) this.#index?.upsert(customerId, name, company);
    const customer = await this.#raw(actor.orgId, customerId);
    if (!customer) return refuse({ reason: "not_found" });
    return ok({ customer, missingImportant: check.missingImportant });
  }

  /** Where a list's ids come from: the pool and the whole org page in Redis (they grow to 1M). */
  async #source(
    actor: Actor,
    f: ListFilter,
  ): Promise<{ total: number; window(start: number, n: number): Promise<string[]> }> {
    const org = actor.orgId;
    const me = repOf(actor);
    const sorted = (key: string) => async () => ({
      total: Number(await this.redis.zCard(key)),
      window: (start: number, n: number) => this.redis.zRange(key, start, start + n - 1, { REV: true }),
    });
    const inMemory = async (ids: Promise<string[]>) => {
      const all = (await ids).sort();
      return { total: all.length, window: async (start: number, n: number) => all.slice(start, start + n) };
    };
    const mine = () => this.redis.sUnion([custKeys.owned(org, me), custKeys.second(org, me)]);
    if (f.view === "pool") return await sorted(custKeys.pool(org))();
    if (f.view === "mine") return await inMemory(mine());
    if (f.ownerId) return await inMemory(this.redis.sMembers(custKeys.owned(org, f.ownerId)));
    if (f.groupId) return await inMemory(this.redis.sMembers(custKeys.group(org, f.groupId)));
    if (seesAll(actor)) return await sorted(custKeys.all(org))();
    if (managesTeams(actor) && actor.teamIds.length) {
      return await inMemory(this.redis.sUnion(actor.teamIds.map((t) => custKeys.group(org, t))));
    }
    return await inMemory(mine());
  }

  /**
   * Lists customers the actor may see; every row is checked against visibility again. A page
   * scans at most 20 × limit rows, so a narrow filter may return a short page with a cursor.
   */
  async listCustomers(actor: Actor, filter: ListFilter): Promise<Page<Customer>> {
    const limit = Math.min(Math.max(filter.limit ?? 50, 1), 500);
    const src = await this.#source(actor, filter);
    const items: Customer[] = [];
    let i = filter.cursor ? Number(filter.cursor) : 0;
    const stopAt = i + limit * 20;
    while (i < src.total && items.length < limit && i < stopAt) {
      const chunk = await src.window(i, limit);
      if (chunk.length === 0) break;
      const byId = new Map((await this.#many(actor.orgId, chunk)).map((c) => [c.id, c]));
      for (const id of chunk) {
        i++;
        const c = byId.get(id);
        if (!c || !canSee(actor, c)) continue;
        if (filter.grade && c.grade !== filter.grade) continue;
        if (filter.ownerId && c.ownerId !== filter.ownerId) continue;
        if (filter.groupId && c.groupId !== filter.groupId) continue;
        items.push(c);
        if (items.length >= limit) break;
      }
    }
    return { items, ...(i < src.total ? { cursor: String(i) } : {}) };
  }

  /**
   * Duplicate search: an exact phone match from Redis, fuzzy name/company from the bigram index.
   * Customers the actor may not open are still reported (who holds them), without their details.
   */
  async searchCustomers(
    actor: Actor,
    query: { phone?: string; text?: string },
    limit = 20,
  ): Promise<SearchHit[]> {
    const hits = new Map<string, { score: number; match: "phone" | "text" }>();
    if (query.phone) {
      const p = normalisePhone(query.phone, "CN");
      const id = p.ok ? await this.redis.hGet(custKeys.phones(actor.orgId), p.e164) : null;
      if (id) hits.set(id, { score: 1, match: "phone" });
    }
    if (query.text && this.#index) {
      for (const h of this.#index.search(query.text, limit)) {
        if (!hits.has(h.id)) hits.set(h.id, { score: h.score, match: "text" });
      }
    }
    const found = await this.#many(actor.orgId, [...hits.keys()]);
    return found
      .map((c) => {
        const h = hits.get(c.id) ?? { score: 0, match: "text" as const };
        const visible = canSee(actor, c);
        return {
          customerId: c.id,
          name: c.name,
          company: c.company,
          score: h.score,
          match: h.match,
          ...(c.ownerId ? { ownerId: c.ownerId } : {}),
          ...(c.groupId ? { groupId: c.groupId } : {}),
          visible,
        };
      })
      .sort((a, b) => b.score - a.score)
      .slice(0, limit);
  }

  // ── ownership ───────────────────────────────────────────────────────────────────────────────

  /** Claim from the public pool into the actor's hold: quota and "held by X" in one atomic step. */
  async claim(actor: Actor, customerId: string, groupId?: string): Promise<Result<{ heldUntil: number }>> {
    const s = await this.settings(actor.orgId);
    const group = groupId ?? actor.teamIds[0];
    if (!group)
      return refuse({ reason: "invalid", issues: [{ path: "groupId", message: "the rep has no team" }] });
    if (!seesAll(actor) && !actor.teamIds.includes(group)) return refuse({ reason: "forbidden" });
    const now = this.#clock();
    const day = expiryDay(s, now);
    const until = releaseInstant(s, day);
    const rep = repOf(actor);
    const event = this.#event(
      {
        kind: "customer.claimed",
        org_id: actor.orgId,
        customer_id: customerId,
        agent_id: rep,
        group_id: group,
        held_until: new Date(until).toISOString(),
        via: "claim",
        by: actor.userId,
      },
      now,
    );
    const reply = await this.#run(lua.CLAIM, actor.orgId, [
      customerId,
      rep,
      group,
      String(until),
      String(reminderInstant(s, day)),
      String(now),
      String(s.quota),
      event,
    ]);
    return reply[0] === "ok" ? ok({ heldUntil: until }) : refuse(refusal(reply));
  }

  /** Back to the public pool by the holder, or by the group's manager / a director. */
  async release(actor: Actor, customerId: string): Promise<Result<object>> {
    const c = await this.#raw(actor.orgId, customerId);
    if (!c) return refuse({ reason: "not_found" });
    if (!c.ownerId) return refuse({ reason: "not_held" });
    if (c.ownerId !== repOf(actor) && !canManage(actor, c)) return refuse({ reason: "forbidden" });
    const now = this.#clock();
    const event = this.#event(
      {
        kind: "customer.released",
        org_id: actor.orgId,
        customer_id: customerId,
        agent_id: c.ownerId,
        reason: "manual",
        by: actor.userId,
      },
      now,
    );
    const reply = await this.#run(lua.RELEASE, actor.orgId, [
      customerId,
      c.ownerId,
      String(now),
      "manual",
      event,
    ]);
    return reply[0] === "ok" ? ok({}) : refuse(refusal(reply));
  }

  /**
   * The scheduler's step: every hold whose end (10:00 org time on its expiry day) has come goes
   * back to the pool; day-before reminders go out. Never releases a hold before its instant.
   */
  async releaseDue(
    now: number = this.#clock(),
    opts: { orgIds?: string[]; batch?: number } = {},
  ): Promise<ReleaseReport> {
    const report: ReleaseReport = { released: 0, reminded: 0 };
    const batch = opts.batch ?? 500;
    for (const org of opts.orgIds ?? (await this.redis.sMembers(ORGS))) {
      report.reminded += await this.#remindOrg(org, now, batch);
      report.released += await this.#releaseOrg(org, now, batch);
      const next = await this.redis.zRangeWithScores(custKeys.expiry(org), 0, 0);
      const at = next[0]?.score;
      if (at !== undefined && (report.nextDueAt === undefined || at < report.nextDueAt))
        report.nextDueAt = at;
    }
    return report;
  }

  async #dueIds(key: string, now: number, batch: number, after: number): Promise<string[]> {
    return await this.redis.zRangeByScore(key, "-inf", now, { LIMIT: { offset: after, count: batch } });
  }

  /** Four pipelines in flight: building the next events overlaps Redis running the last ones. */
  async #releaseOrg(org: string, now: number, batch: number): Promise<number> {
    let released = 0;
    let skipped = 0;
    for (;;) {
      const ids = await this.#dueIds(custKeys.expiry(org), now, batch * 4, skipped);
      if (ids.length === 0) return released;
      const chunks: string[][] = [];
      for (let i = 0; i < ids.length; i += batch) chunks.push(ids.slice(i, i + batch));
      let ok = 0;
      for (const n of await Promise.all(chunks.map((c) => this.#releaseChunk(org, c, now)))) ok += n;
      released += ok;
      // Refused ones (changed meanwhile) stay in the index; the next window starts after them.
      skipped += ids.length - ok;
    }
  }

  async #releaseChunk(org: string, ids: string[], now: number): Promise<number> {
    const owners = await this.#fieldOf(org, ids, "owner");
    const m = this.redis.multi();
    ids.forEach((id, i) => {
      const owner = owners[i] ?? "";
      const event = this.#event(
        {
          kind: "customer.released",
          org_id: org,
          customer_id: id,
          agent_id: owner || "unknown",
          reason: "expired",
          by: "system",
        },
        now,
      );
      m.evalSha(this.#sha(lua.RELEASE), {
        keys: [],
        arguments: [orgPrefix(org), id, owner, String(now), "expired", event],
      });
    });
    const replies = (await this.#execScripts(m, lua.RELEASE)) as string[][];
    return replies.filter((r) => r[0] === "ok").length;
  }

  async #remindOrg(org: string, now: number, batch: number): Promise<number> {
    let reminded = 0;
    for (;;) {
      const ids = await this.#dueIds(custKeys.remind(org), now, batch, 0);
      if (ids.length === 0) return reminded;
      const m1 = this.redis.multi();
      for (const id of ids) m1.hmGet(custKeys.record(org, id), ["owner", "held_until"]);
      const rows = (await m1.execAsPipeline()) as unknown as (string | null)[][];
      const m = this.redis.multi();
      ids.forEach((id, i) => {
        const [owner, until] = rows[i] ?? [];
        const event =
          owner && until
            ? this.#event({
                kind: "customer.hold_expiring",
                org_id: org,
                customer_id: id,
                agent_id: owner,
                held_until: new Date(Number(until)).toISOString(),
              })
            : "";
        m.evalSha(this.#sha(lua.REMIND), {
          keys: [],
          arguments: [orgPrefix(org), id, owner ?? "", until ?? "", event],
        });
      });
      for (const r of (await this.#execScripts(m, lua.REMIND)) as string[][]) if (r[0] === "ok") reminded++;
    }
  }

  #shas = new Map<string, string>();
  #sha(script: string): string {
    let h = this.#shas.get(script);
    if (!h) {
      h = scriptSha(script);
      this.#shas.set(script, h);
    }
    return h;
  }

  /** A pipeline of EVALSHAs; the script is loaded first so NOSCRIPT cannot happen mid-batch. */
  async #execScripts(m: ReturnType<Redis["multi"]>, script: string): Promise<unknown[]> {
    await this.redis.scriptLoad(script);
    return (await m.execAsPipeline()) as unknown[];
  }

  async #fieldOf(org: string, ids: string[], field: string): Promise<(string | undefined)[]> {
    const m = this.redis.multi();
    for (const id of ids) m.hGet(custKeys.record(org, id), field);
    const rows = (await m.execAsPipeline()) as unknown as (string | null)[];
    return rows.map((r) => r ?? undefined);
  }

  /** A signed deal: the hold stops expiring and leaves the protection quota. */
  async markDealSigned(actor: Actor, customerId: string, orderId?: string): Promise<Result<object>> {
    const c = await this.#raw(actor.orgId, customerId);
    if (!c) return refuse({ reason: "not_found" });
    if (!c.ownerId) return refuse({ reason: "not_held" });
    if (c.ownerId !== repOf(actor) && !canManage(actor, c)) return refuse({ reason: "forbidden" });
    const now = this.#clock();
    const event = this.#event(
      {
        kind: "customer.deal_signed",
        org_id: actor.orgId,
        customer_id: customerId,
        agent_id: c.ownerId,
        ...(orderId ? { order_id: orderId } : {}),
        by: actor.userId,
      },
      now,
    );
    const reply = await this.#run(lua.SIGN, actor.orgId, [customerId, c.ownerId, String(now), event]);
    return reply[0] === "ok" ? ok({}) : refuse(refusal(reply));
  }

  /** Register collaboration: a second owner from the customer's group (null clears it). */
  async setSecondOwner(
    actor: Actor,
    customerId: string,
    second: { repId: string; teamId: string } | null,
  ): Promise<Result<object>> {
    const c = await this.#raw(actor.orgId, customerId);
    if (!c) return refuse({ reason: "not_found" });
    if (!c.ownerId || !c.groupId) return refuse({ reason: "not_held" });
    if (c.ownerId !== repOf(actor) && !canManage(actor, c)) return refuse({ reason: "forbidden" });
    if (second && second.teamId !== c.groupId) return refuse({ reason: "other_group", groupId: c.groupId });
    const event = this.#event({
      kind: "customer.second_owner_set",
      org_id: actor.orgId,
      customer_id: customerId,
      ...(second ? { second_owner_id: second.repId } : {}),
      by: actor.userId,
    });
    const reply = await this.#run(lua.SECOND, actor.orgId, [
      customerId,
      second?.repId ?? "",
      c.groupId,
      event,
    ]);
    return reply[0] === "ok" ? ok({}) : refuse(refusal(reply));
  }

  /**
   * Bulk reassignment by a manager (their groups, target in their teams) or a director; each
   * customer moves atomically on its own (the target's quota still holds), with a fresh hold.
   */
  async reassign(actor: Actor, req: ReassignRequest): Promise<ReassignReport> {
    const report: ReassignReport = { batchId: newEventId(), moved: [], refused: [] };
    const mayManage = actor.role === "director" || actor.role === "admin" || managesTeams(actor);
    const ids =
      req.customerIds ?? (await this.redis.sMembers(custKeys.owned(actor.orgId, req.fromRepId))).sort();
    if (
      !mayManage ||
      (!seesAll(actor) && !actor.teamIds.includes(req.toGroupId)) ||
      actor.role === "analyst"
    ) {
      for (const id of ids) report.refused.push({ customerId: id, refusal: { reason: "forbidden" } });
      return report;
    }
    const s = await this.settings(actor.orgId);
    for (const c of await this.#many(actor.orgId, ids)) {
      const r = await this.#reassignOne(actor, c, req, s, report.batchId);
      if (r) report.refused.push({ customerId: c.id, refusal: r });
      else report.moved.push(c.id);
    }
    return report;
  }

  async #reassignOne(
    actor: Actor,
    c: Customer,
    req: ReassignRequest,
    s: OrgSettings,
    batchId: string,
  ): Promise<Refusal | undefined> {
    if (!canManage(actor, c) && !(c.ownerId === undefined && seesAll(actor))) return { reason: "forbidden" };
    if (req.customerIds === undefined && c.ownerId !== req.fromRepId) return { reason: "not_held" };
    if (req.grade && c.grade !== req.grade)
      return { reason: "invalid", issues: [{ path: "grade", message: "filtered out" }] };
    if (req.groupId && c.groupId !== req.groupId) return { reason: "other_group", groupId: c.groupId ?? "" };
    const now = this.#clock();
    const day = expiryDay(s, now);
    const until = releaseInstant(s, day);
    const event = this.#event(
      {
        kind: "customer.reassigned",
        org_id: actor.orgId,
        customer_id: c.id,
        ...(c.ownerId ? { from_agent_id: c.ownerId } : {}),
        agent_id: req.toRepId,
        group_id: req.toGroupId,
        held_until: new Date(until).toISOString(),
        batch_id: batchId,
        by: actor.userId,
      },
      now,
    );
    const reply = await this.#run(lua.REASSIGN, actor.orgId, [
      c.id,
      c.ownerId ?? "",
      req.toRepId,
      req.toGroupId,
      String(until),
      String(reminderInstant(s, day)),
      String(now),
      String(s.quota),
      event,
    ]);
    return reply[0] === "ok" ? undefined : refusal(reply);
  }

  /** Who held the customer at that instant (performance attribution); undefined = public pool. */
  async holderAt(orgId: string, customerId: string, ts: number): Promise<string | undefined> {
    const timeline = await this.redis.lRange(custKeys.holders(orgId, customerId), 0, -1);
    let holder: string | undefined;
    for (const entry of timeline) {
      const bar = entry.indexOf("|");
      if (Number(entry.slice(0, bar)) > ts) break;
      holder = entry.slice(bar + 1) || undefined;
    }
    return holder;
  }

  /** holderAt bound to an org, in the shape the sales pipeline's orders ask (null = public pool). */
  holderLookup(orgId: string): (customerId: string, ts: number) => Promise<string | null> {
    return async (customerId, ts) => (await this.holderAt(orgId, customerId, ts)) ?? null;
  }

  /**
   * Performance attribution of an order: credited to the rep only when the rep held the customer
   * at order time, else flagged. Also feeds the order-based grade.
   */
  async attributeOrder(
    orgId: string,
    order: {
      orderId: string;
      customerId: string;
      agentId: string;
      at: number;
      amountMinor: number;
      currency?: string;
    },
  ): Promise<Result<OrderAttribution>> {
    const holder = await this.holderAt(orgId, order.customerId, order.at);
    const credited = holder !== undefined && holder === order.agentId;
    const event = this.#event({
      kind: "customer.order_attributed",
      org_id: orgId,
      customer_id: order.customerId,
      order_id: order.orderId,
      agent_id: order.agentId,
      ...(holder ? { holder_id: holder } : {}),
      credited,
      total: { amount_minor: order.amountMinor, currency: order.currency ?? "CNY" },
      ordered_at: new Date(order.at).toISOString(),
    });
    const reply = await this.#run(lua.ORDER, orgId, [order.customerId, String(order.amountMinor), event]);
    if (reply[0] !== "ok") return refuse(refusal(reply));
    await this.#regradeByOrders(orgId, order.customerId, Number(reply[1]), Number(reply[2]));
    return ok({
      orderId: order.orderId,
      customerId: order.customerId,
      agentId: order.agentId,
      ...(holder ? { holderId: holder } : {}),
      credited,
    });
  }

  async #regradeByOrders(orgId: string, id: string, orders: number, amountMinor: number): Promise<void> {
    const s = await this.settings(orgId);
    const grade = gradeByOrders({ orders, amountMinor }, s.orderGradeRules);
    const previous = (await this.redis.hGet(custKeys.record(orgId, id), "ograde")) ?? undefined;
    if (!grade || grade === previous) return;
    const event = this.#event({
      kind: "customer.graded",
      org_id: orgId,
      customer_id: id,
      basis: "orders",
      grade,
      ...(previous ? { previous: previous as Grade } : {}),
      by: "system",
    });
    await this.#run(lua.ORDER_GRADE, orgId, [id, grade, event]);
  }

  // ── extensions ──────────────────────────────────────────────────────────────────────────────

  /** A rep asks to extend a hold: one per calendar month; ≤ 5 days a manager decides, more a director. */
  async requestExtension(
    actor: Actor,
    customerId: string,
    days: number,
    reason = "",
  ): Promise<Result<{ request: ExtensionRequest }>> {
    if (!Number.isInteger(days) || days < 1 || days > 90) {
      return refuse({ reason: "invalid", issues: [{ path: "days", message: "1–90 days" }] });
    }
    const s = await this.settings(actor.orgId);
    const rep = repOf(actor);
    const c = await this.#raw(actor.orgId, customerId);
    if (!c) return refuse({ reason: "not_found" });
    if (c.ownerId !== rep || !c.groupId) return refuse({ reason: "not_held" });
    const now = this.#clock();
    const month = localMonth(s.timeZone, now);
    const needs = days > s.managerExtensionMaxDays ? "director" : "manager";
    const request: ExtensionRequest = {
      id: newEventId(),
      orgId: actor.orgId,
      customerId,
      agentId: rep,
      groupId: c.groupId,
      days,
      reason,
      month,
      needs,
      status: "pending",
      requestedAt: now,
    };
    const event = this.#event({
      kind: "customer.extension_requested",
      org_id: actor.orgId,
      customer_id: customerId,
      request_id: request.id,
      agent_id: rep,
      days,
      reason,
      month,
      needs,
    });
    const pairs = [
      "status", "pending", "customer", customerId, "agent", rep, "group", c.groupId,
      "days", String(days), "reason", reason, "month", month, "needs", needs, "at", String(now),
    ]; // biome-ignore format: pairs
    const reply = await this.#run(lua.EXT_REQUEST, actor.orgId, [
      request.id,
      customerId,
      rep,
      month,
      String(now),
      event,
      ...pairs,
    ]);
    return reply[0] === "ok" ? ok({ request }) : refuse(refusal(reply));
  }

  async #extRequest(orgId: string, id: string): Promise<ExtensionRequest | undefined> {
    const h = await this.redis.hGetAll(custKeys.extRequest(orgId, id));
    if (!h.status) return undefined;
    return {
      id,
      orgId,
      customerId: h.customer ?? "",
      agentId: h.agent ?? "",
      groupId: h.group ?? "",
      days: Number(h.days),
      reason: h.reason ?? "",
      month: h.month ?? "",
      needs: h.needs === "director" ? "director" : "manager",
      status: h.status as ExtensionRequest["status"],
      requestedAt: Number(h.at),
      ...(h.decided_by
        ? { decidedBy: h.decided_by, decidedAt: Number(h.decided_at), note: h.note ?? "" }
        : {}),
    };
  }

  /** Pending requests the actor may decide (managers: their groups, ≤ 5 days too; directors: all). */
  async listExtensionRequests(actor: Actor): Promise<ExtensionRequest[]> {
    const ids = await this.redis.zRange(custKeys.extPendingSet(actor.orgId), 0, -1);
    const out: ExtensionRequest[] = [];
    for (const id of ids) {
      const r = await this.#extRequest(actor.orgId, id);
      if (!r) continue;
      const mine = r.agentId === repOf(actor);
      if (mine || canManage(actor, { orgId: actor.orgId, groupId: r.groupId })) out.push(r);
    }
    return out;
  }

  /**
   * Approve or reject. More than 5 days needs a director: a manager's approval is refused with
   * needs_director (a manager may still reject). Approval moves the release day by the days granted.
   */
  async decideExtension(
    actor: Actor,
    requestId: string,
    approve: boolean,
    note = "",
  ): Promise<Result<{ heldUntil?: number }>> {
    const r = await this.#extRequest(actor.orgId, requestId);
    if (!r) return refuse({ reason: "not_found" });
    if (r.status !== "pending") return refuse({ reason: "already_decided" });
    const isDirector = actor.role === "director" || actor.role === "admin";
    if (
      !isDirector &&
      !(managesTeams(actor) && canManage(actor, { orgId: actor.orgId, groupId: r.groupId }))
    ) {
      return refuse({ reason: "forbidden" });
    }
    if (r.agentId === repOf(actor) && !isDirector) return refuse({ reason: "forbidden" });
    if (approve && r.needs === "director" && !isDirector)
      return refuse({ reason: "needs_director", days: r.days });
    const s = await this.settings(actor.orgId);
    const cur = (await this.redis.hGet(custKeys.record(actor.orgId, r.customerId), "held_until")) ?? "";
    const day = cur ? addDays(localDate(s.timeZone, Number(cur)), r.days) : "";
    const until = day ? releaseInstant(s, day) : 0;
    const event = this.#event({
      kind: "customer.extension_decided",
      org_id: actor.orgId,
      customer_id: r.customerId,
      request_id: requestId,
      agent_id: r.agentId,
      approved: approve,
      days: r.days,
      month: r.month,
      decided_by: actor.userId,
      decider_role: actor.role,
      note,
      ...(approve && until ? { held_until: new Date(until).toISOString() } : {}),
    });
    const reply = await this.#run(lua.EXT_DECIDE, actor.orgId, [
      requestId,
      approve ? "1" : "0",
      actor.userId,
      String(this.#clock()),
      cur,
      String(until),
      day ? String(reminderInstant(s, day)) : "0",
      event,
      note,
    ]);
    if (reply[0] !== "ok") return refuse(refusal(reply));
    return ok(approve ? { heldUntil: until } : {});
  }

  // ── follow-ups ──────────────────────────────────────────────────────────────────────────────

  /**
   * Record a follow-up: regrade (kept when absent), next contact from the grade's cadence (or the
   * day given), due lists updated. Owner, second owner or the group's manager.
   */
  async recordFollowUp(
    actor: Actor,
    customerId: string,
    input: FollowUpInput,
  ): Promise<Result<{ followUp: FollowUp }>> {
    const c = await this.#raw(actor.orgId, customerId);
    if (!c) return refuse({ reason: "not_found" });
    const me = repOf(actor);
    if (c.ownerId !== me && c.secondOwnerId !== me && !canManage(actor, c))
      return refuse({ reason: "forbidden" });
    const s = await this.settings(actor.orgId);
    const now = this.#clock();
    const grade: Grade = input.grade ?? c.grade ?? "C";
    const today = localDate(s.timeZone, now);
    const next = input.nextContactOn ?? nextContactDay(grade, today);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(next)) {
      return refuse({ reason: "invalid", issues: [{ path: "nextContactOn", message: "YYYY-MM-DD" }] });
    }
    const followUp: FollowUp = {
      id: newEventId(),
      customerId,
      agentId: me,
      at: now,
      channel: input.channel ?? "call",
      ...(input.disposition ? { disposition: input.disposition } : {}),
      note: input.note ?? "",
      grade,
      nextContactOn: next,
    };
    const recorded = this.#event({
      kind: "customer.follow_up_recorded",
      org_id: actor.orgId,
      customer_id: customerId,
      follow_up_id: followUp.id,
      agent_id: me,
      channel: followUp.channel as "call",
      ...(input.disposition ? { disposition: input.disposition } : {}),
      note: followUp.note,
      grade,
      next_contact_on: next,
      ...(input.attemptId ? { attempt_id: input.attemptId } : {}),
    });
    const graded =
      grade !== c.grade
        ? this.#event({
            kind: "customer.graded",
            org_id: actor.orgId,
            customer_id: customerId,
            basis: "follow_up",
            grade,
            ...(c.grade ? { previous: c.grade } : {}),
            by: actor.userId,
          })
        : "";
    const reply = await this.#run(lua.FOLLOW_UP, actor.orgId, [
      customerId,
      String(startOfLocalDay(s.timeZone, next)),
      next,
      grade,
      String(now),
      JSON.stringify(followUp),
      recorded,
      graded,
    ]);
    return reply[0] === "ok" ? ok({ followUp }) : refuse(refusal(reply));
  }

  /** One-key quick disposition: its default note (in the actor's language) and next contact N days out. */
  async quickFollowUp(
    actor: Actor,
    customerId: string,
    key: string,
    lang: "zh" | "en" = "zh",
  ): Promise<Result<{ followUp: FollowUp }>> {
    const s = await this.settings(actor.orgId);
    const d = s.dispositions.find((x) => x.key === key);
    if (!d) return refuse({ reason: "unknown_disposition", key });
    const today = localDate(s.timeZone, this.#clock());
    return await this.recordFollowUp(actor, customerId, {
      note: d.note[lang],
      disposition: d.key,
      ...(d.grade ? { grade: d.grade } : {}),
      nextContactOn: addDays(today, d.nextContactDays),
    });
  }

  /** The latest follow-ups of a customer (full history is in ClickHouse). */
  async listFollowUps(
    actor: Actor,
    customerId: string,
    limit = 50,
  ): Promise<Result<{ followUps: FollowUp[] }>> {
    const got = await this.getCustomer(actor, customerId);
    if (!got.ok) return got;
    const rows = await this.redis.lRange(custKeys.followUps(actor.orgId, customerId), 0, limit - 1);
    return ok({ followUps: rows.map((r) => JSON.parse(r) as FollowUp) });
  }

  /**
   * Due today / overdue: `mine` for the actor as owner; `team` for one of the actor's teams
   * (managers, supervisors, directors); `org` for directors.
   */
  async dueList(
    actor: Actor,
    view: { scope: "mine" } | { scope: "team"; teamId: string } | { scope: "org" },
  ): Promise<Result<DueList>> {
    const s = await this.settings(actor.orgId);
    let key: string;
    if (view.scope === "mine") key = custKeys.repDue(actor.orgId, repOf(actor));
    else if (view.scope === "team") {
      if (!canManage(actor, { orgId: actor.orgId, groupId: view.teamId }))
        return refuse({ reason: "forbidden" });
      key = custKeys.groupDue(actor.orgId, view.teamId);
    } else {
      if (!seesAll(actor)) return refuse({ reason: "forbidden" });
      key = custKeys.due(actor.orgId);
    }
    const now = this.#clock();
    const today = localDate(s.timeZone, now);
    const startToday = startOfLocalDay(s.timeZone, today);
    const startTomorrow = startOfLocalDay(s.timeZone, addDays(today, 1));
    const ids = await this.redis.zRangeByScore(key, "-inf", `(${startTomorrow}`, {
      LIMIT: { offset: 0, count: 1000 },
    });
    const list: DueList = { today, dueToday: [], overdue: [] };
    for (const c of await this.#many(actor.orgId, ids)) {
      if (!c.nextContactOn || !canSee(actor, c)) continue;
      const item: DueItem = {
        customerId: c.id,
        name: c.name,
        company: c.company,
        nextContactOn: c.nextContactOn,
        ...(c.ownerId ? { ownerId: c.ownerId } : {}),
        ...(c.groupId ? { groupId: c.groupId } : {}),
        ...(c.grade ? { grade: c.grade } : {}),
      };
      if (startOfLocalDay(s.timeZone, c.nextContactOn) < startToday) list.overdue.push(item);
      else list.dueToday.push(item);
    }
    return ok(list);
  }

  /** The console's reminders: holds ending within a day, follow-ups due today or overdue. */
  async reminders(actor: Actor): Promise<Reminder[]> {
    const org = actor.orgId;
    const me = repOf(actor);
    const now = this.#clock();
    const out: Reminder[] = [];
    const held = await this.#many(org, await this.redis.sMembers(custKeys.held(org, me)));
    for (const c of held) {
      if (c.heldUntil !== undefined && c.heldUntil - now <= 86_400_000) {
        out.push({ kind: "hold_expiring", customerId: c.id, name: c.name, at: c.heldUntil });
      }
    }
    const due = await this.dueList(actor, { scope: "mine" });
    if (due.ok) {
      const s = await this.settings(org);
      for (const d of [...due.overdue, ...due.dueToday]) {
        out.push({
          kind: "follow_up_due",
          customerId: d.customerId,
          name: d.name,
          at: startOfLocalDay(s.timeZone, d.nextContactOn),
        });
      }
    }
    return out.sort((a, b) => a.at - b.at);
  }
}

function scriptSha(script: string): string {
  return createHash("sha1").update(script).digest("hex");
}

/** The event JSON objects the store wrote, as they will travel (for tests and the rebuild). */
export type CustomerEventJson = CallCenterEvent;
