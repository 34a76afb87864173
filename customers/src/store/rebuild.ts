// Rebuild of the Redis state from the event log: fold customer.* events in order into each
// customer's current state, then write it back with the same index-keeping code the rules use
// (RESTORE script). The log is the source of truth; Redis is a projection that makes rules atomic.

import { type CallCenterEvent, parseEvent } from "@cc/ingest";
import type { ClickHouseClient } from "@clickhouse/client";
import { localDate, reminderInstant, startOfLocalDay } from "../ownership/calendar.ts";
import type { Contact, FollowUp, Grade, OrgSettings } from "../records/types.ts";
import { nameCompanyKey } from "../search/bigrams.ts";
import { recordPairs } from "./codec.ts";
import { custKeys, ORGS, orgPrefix } from "./keys.ts";
import { RESTORE } from "./lua.ts";
import { type Redis, runScript } from "./redis.ts";

export interface FoldedCustomer {
  id: string;
  leadId?: string;
  name: string;
  company: string;
  phones: string[];
  contacts: Contact[];
  fields: Record<string, string>;
  createdAt: number;
  createdBy: string;
  updatedAt: number;
  owner?: string;
  group?: string;
  second?: string;
  heldUntil?: number;
  signed: boolean;
  /** The hold's since instant (last owner change). */
  since: number;
  remindedFor?: number;
  grade?: Grade;
  orderGrade?: Grade;
  nextOn?: string;
  lastFollowUp?: number;
  orders: number;
  amountMinor: number;
  timeline: string[];
  followUps: FollowUp[];
}

export interface PendingExtension {
  id: string;
  customerId: string;
  agentId: string;
  groupId: string;
  days: number;
  reason: string;
  month: string;
  needs: string;
  at: number;
}

export interface FoldedState {
  customers: Map<string, FoldedCustomer>;
  /** rep:month of every granted extension. */
  extensionsUsed: Set<string>;
  pending: Map<string, PendingExtension>;
}

const ms = (iso: string) => Date.parse(iso);

function setOwner(
  c: FoldedCustomer,
  at: number,
  owner: string | undefined,
  group?: string,
  until?: number,
): void {
  if (owner === undefined || group !== c.group) c.second = undefined;
  c.owner = owner;
  c.group = owner ? group : undefined;
  c.heldUntil = owner ? until : undefined;
  if (!owner) c.signed = false;
  c.since = at;
  c.remindedFor = undefined;
  c.timeline.push(`${at}|${owner ?? ""}`);
}

/** Folds events (in log order) into the state the rules left behind. Unknown customers are skipped. */
export function foldCustomerEvents(events: Iterable<CallCenterEvent>): FoldedState {
  const state: FoldedState = { customers: new Map(), extensionsUsed: new Set(), pending: new Map() };
  for (const e of events) apply(state, e);
  return state;
}

function apply(state: FoldedState, e: CallCenterEvent): void {
  if (!e.kind.startsWith("customer.")) return;
  const at = ms(e.occurred_at);
  if (e.kind === "customer.created") {
    state.customers.set(e.customer_id, {
      id: e.customer_id,
      ...(e.lead_id ? { leadId: e.lead_id } : {}),
      name: e.name,
      company: e.company,
      phones: e.phones,
      contacts: e.contacts,
      fields: { ...e.fields },
      createdAt: at,
      createdBy: e.created_by,
      updatedAt: at,
      signed: false,
      since: at,
      orders: 0,
      amountMinor: 0,
      timeline: [`${at}|`],
      followUps: [],
    });
    return;
  }
  const id = (e as { customer_id?: string }).customer_id;
  const c = id ? state.customers.get(id) : undefined;
  if (!c) return;
  switch (e.kind) {
    case "customer.updated":
      if (e.name !== undefined) c.name = e.name;
      if (e.company !== undefined) c.company = e.company;
      if (e.phones) c.phones = e.phones;
      if (e.contacts) c.contacts = e.contacts;
      for (const [k, v] of Object.entries(e.fields)) {
        if (v === "") delete c.fields[k];
        else c.fields[k] = v;
      }
      c.updatedAt = at;
      return;
    case "customer.claimed":
      if (e.via === "create") {
        // The creation's hold starts with the record (the timeline's first entry is replaced).
        c.timeline = [];
      }
      setOwner(c, at, e.agent_id, e.group_id, ms(e.held_until));
      return;
    case "customer.reassigned":
      setOwner(c, at, e.agent_id, e.group_id, c.signed ? undefined : ms(e.held_until));
      return;
    case "customer.released":
      setOwner(c, at, undefined);
      return;
    case "customer.hold_expiring":
      c.remindedFor = ms(e.held_until);
      return;
    case "customer.deal_signed":
      c.signed = true;
      c.heldUntil = undefined;
      c.timeline.push(`${at}|${c.owner ?? ""}`);
      return;
    case "customer.second_owner_set":
      c.second = e.second_owner_id;
      return;
    case "customer.extension_requested":
      state.pending.set(e.request_id, {
        id: e.request_id,
        customerId: e.customer_id,
        agentId: e.agent_id,
        groupId: c.group ?? "",
        days: e.days,
        reason: e.reason,
        month: e.month,
        needs: e.needs,
        at,
      });
      return;
    case "customer.extension_decided":
      state.pending.delete(e.request_id);
      if (e.approved) {
        state.extensionsUsed.add(`${e.agent_id}:${e.month}`);
        if (e.held_until) c.heldUntil = ms(e.held_until);
        c.remindedFor = undefined;
      }
      return;
    case "customer.graded":
      if (e.basis === "orders") c.orderGrade = e.grade;
      else c.grade = e.grade;
      return;
    case "customer.follow_up_recorded":
      c.grade = e.grade;
      c.nextOn = e.next_contact_on;
      c.lastFollowUp = at;
      c.followUps.unshift({
        id: e.follow_up_id,
        customerId: e.customer_id,
        agentId: e.agent_id,
        at,
        channel: e.channel,
        ...(e.disposition ? { disposition: e.disposition } : {}),
        note: e.note,
        grade: e.grade,
        nextContactOn: e.next_contact_on,
      });
      if (c.followUps.length > 200) c.followUps.length = 200;
      return;
    case "customer.order_attributed":
      c.orders++;
      c.amountMinor += e.total.amount_minor;
      return;
  }
}

/** Deletes the org's customer state (settings and quota overrides stay: they are configuration). */
async function clearOrg(redis: Redis, orgId: string): Promise<void> {
  const keep = new Set([custKeys.settings(orgId), custKeys.quota(orgId), custKeys.changes(orgId)]);
  let batch: string[] = [];
  for await (const keys of redis.scanIterator({ MATCH: `${orgPrefix(orgId)}*`, COUNT: 1_000 })) {
    for (const k of keys as unknown as string[]) if (!keep.has(k)) batch.push(k);
    if (batch.length >= 1_000) {
      await redis.unlink(batch);
      batch = [];
    }
  }
  if (batch.length) await redis.unlink(batch);
}

function restoreArgs(orgId: string, c: FoldedCustomer, s: OrgSettings): string[] {
  const pairs = recordPairs(c);
  pairs.push("updated_at", String(c.updatedAt));
  if (c.orders > 0) pairs.push("orders", String(c.orders), "amount", String(c.amountMinor));
  if (c.grade) pairs.push("grade", c.grade);
  if (c.orderGrade) pairs.push("ograde", c.orderGrade);
  if (c.nextOn) pairs.push("next_on", c.nextOn, "due", String(startOfLocalDay(s.timeZone, c.nextOn)));
  if (c.lastFollowUp !== undefined) pairs.push("last_fu", String(c.lastFollowUp));
  const remind = c.heldUntil ? reminderInstant(s, localDate(s.timeZone, c.heldUntil)) : 0;
  return [
    orgPrefix(orgId),
    c.id,
    c.owner ?? "",
    c.group ?? "",
    c.heldUntil ? String(c.heldUntil) : "",
    String(remind),
    c.signed ? "1" : "0",
    String(c.since),
    c.second ?? "",
    String(c.createdAt),
    c.phones.join(","),
    nameCompanyKey(c.name, c.company),
    c.timeline.join(";"),
    ...pairs,
  ];
}

/**
 * Replaces an org's Redis state with the fold of its events. Holds, extensions used this month,
 * pending requests, due lists and follow-ups come back as they were; reminders already sent are
 * not sent again.
 */
export async function rebuildFromEvents(
  redis: Redis,
  orgId: string,
  settings: OrgSettings,
  events: Iterable<CallCenterEvent>,
): Promise<{ customers: number }> {
  const state = foldCustomerEvents(events);
  await clearOrg(redis, orgId);
  await redis.sAdd(ORGS, orgId);
  for (const c of state.customers.values()) {
    await runScript(redis, RESTORE, restoreArgs(orgId, c, settings));
    const m = redis.multi();
    if (c.remindedFor !== undefined && c.remindedFor === c.heldUntil) m.zRem(custKeys.remind(orgId), c.id);
    if (c.second && c.owner) m.hSet(custKeys.record(orgId, c.id), "second", c.second);
    for (const f of c.followUps) m.rPush(custKeys.followUps(orgId, c.id), JSON.stringify(f));
    await m.execAsPipeline();
  }
  for (const used of state.extensionsUsed) {
    const [rep, month] = used.split(":") as [string, string];
    await redis.set(`${orgPrefix(orgId)}extused:${rep}:${month}`, "rebuilt");
  }
  for (const r of state.pending.values()) {
    const pairs: Record<string, string> = {
      status: "pending",
      customer: r.customerId,
      agent: r.agentId,
      group: r.groupId,
      days: String(r.days),
      reason: r.reason,
      month: r.month,
      needs: r.needs,
      at: String(r.at),
    };
    await redis.hSet(custKeys.extRequest(orgId, r.id), pairs);
    await redis.set(`${orgPrefix(orgId)}extpending:${r.agentId}`, r.id);
    await redis.zAdd(custKeys.extPendingSet(orgId), { score: r.at, value: r.id });
  }
  return { customers: state.customers.size };
}

/** Reads an org's customer events from ClickHouse in log order. */
export async function customerEventsFromClickHouse(
  ch: ClickHouseClient,
  orgId: string,
): Promise<CallCenterEvent[]> {
  const rs = await ch.query({
    query: `SELECT payload FROM events FINAL
            WHERE org_id = {org:String} AND startsWith(kind, 'customer.')
            ORDER BY occurred_at, stream_seq, toString(event_id)`,
    query_params: { org: orgId },
    format: "JSONEachRow",
  });
  const rows = (await rs.json()) as { payload: string }[];
  const out: CallCenterEvent[] = [];
  for (const r of rows) {
    const parsed = parseEvent(JSON.parse(r.payload));
    if (parsed.ok) out.push(parsed.event);
  }
  return out;
}

export async function rebuildFromClickHouse(
  ch: ClickHouseClient,
  redis: Redis,
  orgId: string,
  settings: OrgSettings,
): Promise<{ customers: number }> {
  return await rebuildFromEvents(redis, orgId, settings, await customerEventsFromClickHouse(ch, orgId));
}
