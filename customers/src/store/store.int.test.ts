import { startRedis } from "@cc/infra";
import fc from "fast-check";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { zonedInstant } from "../ownership/calendar.ts";
import type { Actor } from "../records/types.ts";
import { CustomerSearchIndex } from "../search/index.ts";
import { custKeys, OUTBOX } from "./keys.ts";
import { peekOutbox } from "./outbox.ts";
import type { Redis } from "./redis.ts";
import { CustomerStore } from "./store.ts";

let server: Awaited<ReturnType<typeof startRedis>>;
let redis: Redis;
let orgSeq = 0;

beforeAll(async () => {
  server = await startRedis();
  redis = createClient({ url: server.url });
  await redis.connect();
});
afterAll(async () => {
  await redis?.quit();
  await server?.stop();
});

const agent = (orgId: string, id: string, team: string): Actor => ({
  userId: `u-${id}`,
  agentId: id,
  role: "agent",
  teamIds: [team],
  orgId,
});
const manager = (orgId: string, teams: string[]): Actor => ({
  userId: "mgr",
  role: "manager",
  teamIds: teams,
  orgId,
});
const director = (orgId: string): Actor => ({ userId: "dir", role: "director", teamIds: [], orgId });
const phone = (i: number) => `+86139${String(i).padStart(8, "0")}`;

/** A fresh org with its own clock and settings. */
async function newOrg(timeZone = "Asia/Shanghai", start = "2026-11-30T01:00:00.000Z", quota = 15) {
  const orgId = `org${orgSeq++}`;
  const clock = { now: Date.parse(start) };
  const store = new CustomerStore({ redis, clock: () => clock.now, searchIndex: new CustomerSearchIndex() });
  const set = await store.updateSettings(director(orgId), { timeZone, quota });
  expect(set.ok).toBe(true);
  return { orgId, clock, store };
}

/** Customers in the public pool, created by an admin. */
async function poolCustomers(store: CustomerStore, orgId: string, n: number, from = 0): Promise<string[]> {
  const admin: Actor = { userId: "admin", role: "admin", teamIds: [], orgId };
  const ids: string[] = [];
  for (let i = from; i < from + n; i++) {
    const r = await store.createCustomer(admin, {
      name: `客户${i}`,
      company: `公司${i}`,
      phones: [phone(i)],
      hold: false,
    });
    if (!r.ok) throw new Error(`create ${i}: ${r.reason}`);
    ids.push(r.customer.id);
  }
  return ids;
}

describe("customer records", () => {
  it("refuses a new customer already in the master pool (phone, name+company) with who holds it", async () => {
    const { orgId, store } = await newOrg();
    const a = agent(orgId, "a1", "t1");
    const first = await store.createCustomer(a, {
      name: "张伟",
      company: "杭州华为技术有限公司",
      phones: ["13900000001"],
    });
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    expect(first.customer.ownerId).toBe("a1");
    expect(first.customer.phones).toEqual(["+8613900000001"]);
    const b = agent(orgId, "b1", "t2");
    const samePhone = await store.createCustomer(b, { name: "张先生", phones: ["+86 139 0000 0001"] });
    expect(samePhone).toMatchObject({ ok: false, reason: "duplicate", match: "phone", heldBy: "a1" });
    const sameName = await store.createCustomer(b, { name: "张 伟", company: "杭州华为技术有限公司" });
    expect(sameName).toMatchObject({ ok: false, reason: "duplicate", match: "name_company", heldBy: "a1" });
    const bad = await store.createCustomer(b, { name: "李娜", phones: ["12345"] });
    expect(bad).toMatchObject({ ok: false, reason: "invalid" });
    // Fuzzy search shows the duplicate and who holds it, without opening the record for b.
    const hits = await store.searchCustomers(b, { text: "华为技术" });
    expect(hits[0]).toMatchObject({ customerId: first.customer.id, ownerId: "a1", visible: false });
    expect((await store.searchCustomers(b, { phone: "13900000001" }))[0]).toMatchObject({
      match: "phone",
      score: 1,
    });
  });

  it("required fields refuse a save; important ones come back together", async () => {
    const { orgId, store } = await newOrg();
    await store.updateSettings(director(orgId), {
      fields: [
        { key: "industry", label: { zh: "行业", en: "Industry" }, class: "required" },
        { key: "city", label: { zh: "城市", en: "City" }, class: "important" },
        { key: "budget", label: { zh: "预算", en: "Budget" }, class: "important" },
      ],
    });
    const a = agent(orgId, "a1", "t1");
    expect(await store.createCustomer(a, { name: "王芳" })).toMatchObject({
      ok: false,
      reason: "required_missing",
      fields: ["industry"],
    });
    const r = await store.createCustomer(a, { name: "王芳", fields: { industry: "制造" } });
    expect(r).toMatchObject({ ok: true, missingImportant: ["city", "budget"] });
    if (!r.ok) return;
    const u = await store.updateCustomer(a, r.customer.id, { fields: { industry: "" } });
    expect(u).toMatchObject({ ok: false, reason: "required_missing" });
    const v = await store.updateCustomer(a, r.customer.id, {
      fields: { city: "杭州" },
      phones: ["13911112222"],
    });
    expect(v).toMatchObject({ ok: true, missingImportant: ["budget"] });
    if (v.ok) expect(v.customer.fields).toEqual({ industry: "制造", city: "杭州" });
  });
});

describe("listing", () => {
  it("pages through the pool and the whole org by cursor, each customer once", async () => {
    const { orgId, store } = await newOrg();
    const ids = await poolCustomers(store, orgId, 11);
    await store.claim(agent(orgId, "a1", "t1"), ids[0] as string);
    for (const [actor, view, n] of [
      [director(orgId), "visible", 11],
      [agent(orgId, "b1", "t2"), "pool", 10],
    ] as const) {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.listCustomers(actor, { view, limit: 3, ...(cursor ? { cursor } : {}) });
        expect(page.items.length).toBeLessThanOrEqual(3);
        seen.push(...page.items.map((c) => c.id));
        cursor = page.cursor;
      } while (cursor);
      expect(new Set(seen).size).toBe(n);
      expect(seen).toHaveLength(n);
    }
  });
});

describe("ownership rules", () => {
  it("refuses a customer held by someone else, saying who, and enforces the quota", async () => {
    const { orgId, store } = await newOrg("Asia/Shanghai", "2026-11-30T01:00:00.000Z", 2);
    const ids = await poolCustomers(store, orgId, 4);
    const a = agent(orgId, "a1", "t1");
    const b = agent(orgId, "b1", "t2");
    expect(await store.claim(a, ids[0] as string)).toMatchObject({ ok: true });
    const refused = await store.claim(b, ids[0] as string);
    expect(refused).toMatchObject({ ok: false, reason: "held_by_other", heldBy: "a1", groupId: "t1" });
    expect(await store.claim(a, ids[1] as string)).toMatchObject({ ok: true });
    expect(await store.claim(a, ids[2] as string)).toMatchObject({
      ok: false,
      reason: "quota_full",
      quota: 2,
      held: 2,
    });
    // A per-rep override lifts it for one rep only.
    expect((await store.setRepQuota(manager(orgId, ["t1"]), "a1", 3)).ok).toBe(true);
    expect(await store.claim(a, ids[2] as string)).toMatchObject({ ok: true });
    // A signed deal leaves the protection quota and never expires.
    expect((await store.markDealSigned(a, ids[0] as string, "o-1")).ok).toBe(true);
    expect(await store.quotaOf(orgId, "a1")).toEqual({ quota: 3, held: 2 });
    expect(await store.claim(a, ids[3] as string)).toMatchObject({ ok: true });
  });

  it("100 concurrent claimers never exceed a quota nor double-hold a customer (property)", async () => {
    const clients: Redis[] = [];
    for (let i = 0; i < 20; i++) {
      const c = createClient({ url: server.url }) as unknown as Redis;
      await c.connect();
      clients.push(c);
    }
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 15 }),
          fc.integer({ min: 20, max: 120 }),
          fc.array(fc.nat(), { minLength: 100, maxLength: 100 }),
          async (quota, customers, seeds) => {
            const { orgId, store } = await newOrg("Asia/Shanghai", "2026-11-30T01:00:00.000Z", quota);
            const ids = await poolCustomers(store, orgId, customers, 0);
            const stores = clients.map((c) => new CustomerStore({ redis: c }));
            // 100 claimers over 25 reps (4 claimers share a rep): each tries several customers at once.
            await Promise.all(
              seeds.map(async (seed, i) => {
                const s = stores[i % stores.length] as CustomerStore;
                const rep = agent(orgId, `r${i % 25}`, `t${i % 5}`);
                const picks = Array.from(
                  { length: 6 },
                  (_, k) => ids[(seed + k * 7919) % ids.length] as string,
                );
                await Promise.all(picks.map((id) => s.claim(rep, id)));
              }),
            );
            const owners = new Map<string, string>();
            for (let r = 0; r < 25; r++) {
              const held = await redis.sMembers(custKeys.held(orgId, `r${r}`));
              expect(held.length).toBeLessThanOrEqual(quota);
              for (const id of held) {
                expect(owners.has(id)).toBe(false);
                owners.set(id, `r${r}`);
                expect(await redis.hGet(custKeys.record(orgId, id), "owner")).toBe(`r${r}`);
              }
            }
            const pool = await redis.zCard(custKeys.pool(orgId));
            expect(pool + owners.size).toBe(customers);
          },
        ),
        { numRuns: 8 },
      );
    } finally {
      for (const c of clients) await c.quit();
    }
  });

  it("releases at exactly 10:00 Shanghai on the expiry day, reminding the day before; none early", async () => {
    const { orgId, clock, store } = await newOrg("Asia/Shanghai", "2026-11-30T15:30:00.000Z");
    const [id] = await poolCustomers(store, orgId, 1);
    const a = agent(orgId, "a1", "t1");
    // 23:30 on 30 Nov Shanghai: expiry day 15 Dec, release 10:00 Shanghai = 02:00Z.
    const claimed = await store.claim(a, id as string);
    expect(claimed).toMatchObject({ ok: true, heldUntil: Date.parse("2026-12-15T02:00:00.000Z") });
    await redis.del(OUTBOX);
    expect(await store.releaseDue(Date.parse("2026-12-14T01:59:59.999Z"), { orgIds: [orgId] })).toMatchObject(
      {
        released: 0,
        reminded: 0,
      },
    );
    expect(await store.releaseDue(Date.parse("2026-12-14T02:00:00.000Z"), { orgIds: [orgId] })).toMatchObject(
      {
        released: 0,
        reminded: 1,
      },
    );
    expect(await store.releaseDue(Date.parse("2026-12-15T01:59:59.999Z"), { orgIds: [orgId] })).toMatchObject(
      {
        released: 0,
        reminded: 0,
      },
    );
    clock.now = Date.parse("2026-12-15T02:00:00.000Z");
    expect(await store.releaseDue(clock.now, { orgIds: [orgId] })).toMatchObject({ released: 1 });
    const got = await store.getCustomer(a, id as string);
    expect(got).toMatchObject({ ok: true });
    expect(got.ok && got.customer.ownerId).toBeUndefined();
    const kinds = (await peekOutbox(redis)).filter((e) => e.org_id === orgId).map((e) => e.kind);
    expect(kinds).toEqual(["customer.hold_expiring", "customer.released"]);
    // Back in the public pool: another rep may claim it now.
    expect(await store.claim(agent(orgId, "b1", "t2"), id as string)).toMatchObject({ ok: true });
  });

  it("releases at 10:00 New York local across both DST switches (property over claim instants)", async () => {
    const zone = "America/New_York";
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: Date.parse("2026-02-15T00:00:00Z"), max: Date.parse("2026-03-10T00:00:00Z") }),
        fc.integer({ min: Date.parse("2026-10-10T00:00:00Z"), max: Date.parse("2026-11-02T00:00:00Z") }),
        async (spring, autumn) => {
          for (const at of [spring, autumn]) {
            const { orgId, clock, store } = await newOrg(zone, new Date(at).toISOString());
            const [id] = await poolCustomers(store, orgId, 1);
            const r = await store.claim(agent(orgId, "a1", "t1"), id as string);
            expect(r.ok).toBe(true);
            if (!r.ok) return;
            const local = new Intl.DateTimeFormat("en-CA", { timeZone: zone, dateStyle: "short" }).format(at);
            const [y, m, d] = local.split("-").map(Number) as [number, number, number];
            const day = new Date(Date.UTC(y, m - 1, d + 15)).toISOString().slice(0, 10);
            expect(r.heldUntil).toBe(zonedInstant(zone, day, 10));
            const hm = new Intl.DateTimeFormat("en-GB", {
              timeZone: zone,
              hour: "2-digit",
              minute: "2-digit",
              hourCycle: "h23",
            });
            expect(hm.format(r.heldUntil)).toBe("10:00");
            clock.now = r.heldUntil - 1;
            expect((await store.releaseDue(clock.now, { orgIds: [orgId] })).released).toBe(0);
            clock.now = r.heldUntil;
            expect((await store.releaseDue(clock.now, { orgIds: [orgId] })).released).toBe(1);
          }
        },
      ),
      { numRuns: 10 },
    );
  });

  it("extensions: > 5 days needs a director, one per rep per calendar month, the release day moves", async () => {
    const { orgId, clock, store } = await newOrg("Asia/Shanghai", "2026-11-02T02:00:00.000Z");
    const ids = await poolCustomers(store, orgId, 3);
    const a = agent(orgId, "a1", "t1");
    const mgr = manager(orgId, ["t1"]);
    for (const id of ids) expect((await store.claim(a, id)).ok).toBe(true);
    const req = await store.requestExtension(a, ids[0] as string, 7, "客户出差");
    expect(req).toMatchObject({ ok: true, request: { needs: "director", month: "2026-11" } });
    if (!req.ok) return;
    expect(await store.requestExtension(a, ids[1] as string, 2)).toMatchObject({
      ok: false,
      reason: "extension_pending",
    });
    expect(await store.decideExtension(mgr, req.request.id, true)).toMatchObject({
      ok: false,
      reason: "needs_director",
      days: 7,
    });
    expect(await store.decideExtension(manager(orgId, ["t9"]), req.request.id, false)).toMatchObject({
      reason: "forbidden",
    });
    expect((await store.listExtensionRequests(mgr)).map((r) => r.id)).toEqual([req.request.id]);
    const ok = await store.decideExtension(director(orgId), req.request.id, true, "同意");
    // 2 Nov + 15 = 17 Nov, + 7 = 24 Nov at 10:00 Shanghai.
    expect(ok).toMatchObject({ ok: true, heldUntil: Date.parse("2026-11-24T02:00:00.000Z") });
    expect(await store.decideExtension(director(orgId), req.request.id, true)).toMatchObject({
      reason: "already_decided",
    });
    // Used this month: refused; a rejected request would not have used it.
    expect(await store.requestExtension(a, ids[1] as string, 3)).toMatchObject({
      ok: false,
      reason: "extension_used_this_month",
      month: "2026-11",
    });
    // Next calendar month (Shanghai): a manager may approve ≤ 5 days.
    clock.now = Date.parse("2026-11-30T16:00:00.000Z"); // 00:00 1 Dec Shanghai
    const req2 = await store.requestExtension(a, ids[1] as string, 5);
    expect(req2).toMatchObject({ ok: true, request: { needs: "manager", month: "2026-12" } });
    if (!req2.ok) return;
    expect(await store.decideExtension(mgr, req2.request.id, true)).toMatchObject({ ok: true });
    // The extended hold is not released at its old instant.
    expect(
      (await store.releaseDue(Date.parse("2026-11-17T02:00:00.000Z"), { orgIds: [orgId] })).released,
    ).toBe(1);
    const held = await store.getCustomer(a, ids[0] as string);
    expect(held.ok && held.customer.ownerId).toBe("a1");
  });

  it("bulk reassignment by a manager: per customer, target quota holds, other groups untouched", async () => {
    const { orgId, store } = await newOrg("Asia/Shanghai", "2026-11-30T01:00:00.000Z", 3);
    const ids = await poolCustomers(store, orgId, 6);
    const leaving = agent(orgId, "a1", "t1");
    await store.setRepQuota(director(orgId), "a1", 10);
    for (const id of ids.slice(0, 5)) expect((await store.claim(leaving, id)).ok).toBe(true);
    expect((await store.claim(agent(orgId, "c1", "t2"), ids[5] as string)).ok).toBe(true);
    expect(
      (await store.reassign(agent(orgId, "x", "t1"), { fromRepId: "a1", toRepId: "b1", toGroupId: "t1" }))
        .moved,
    ).toEqual([]);
    const rep = await store.reassign(manager(orgId, ["t1"]), {
      fromRepId: "a1",
      toRepId: "b1",
      toGroupId: "t1",
    });
    expect(rep.moved).toHaveLength(3);
    expect(rep.refused.map((r) => r.refusal.reason)).toEqual(["quota_full", "quota_full"]);
    const other = await store.reassign(manager(orgId, ["t1"]), {
      fromRepId: "c1",
      toRepId: "b1",
      toGroupId: "t1",
    });
    expect(other.refused.map((r) => r.refusal.reason)).toEqual(["forbidden"]);
    expect(await store.quotaOf(orgId, "b1")).toEqual({ quota: 3, held: 3 });
    // Performance: an order at a time the rep did not hold the customer is flagged.
    const moved = rep.moved[0] as string;
    const t = store.now();
    expect(await store.holderAt(orgId, moved, t)).toBe("b1");
    const flagged = await store.attributeOrder(orgId, {
      orderId: "o1",
      customerId: moved,
      agentId: "a1",
      at: t,
      amountMinor: 1000,
    });
    expect(flagged).toMatchObject({ ok: true, credited: false, holderId: "b1" });
    const credited = await store.attributeOrder(orgId, {
      orderId: "o2",
      customerId: moved,
      agentId: "b1",
      at: t,
      amountMinor: 1000,
    });
    expect(credited).toMatchObject({ ok: true, credited: true });
    expect(await store.holderAt(orgId, moved, Date.parse("2026-01-01T00:00:00Z"))).toBeUndefined();
  });
});

describe("grading and follow-ups", () => {
  it("regrades after each follow-up, schedules by cadence, lists due today / overdue per agent and team", async () => {
    const { orgId, clock, store } = await newOrg("Asia/Shanghai", "2026-11-30T01:00:00.000Z");
    const ids = await poolCustomers(store, orgId, 3);
    const a = agent(orgId, "a1", "t1");
    for (const id of ids) expect((await store.claim(a, id)).ok).toBe(true);
    const f1 = await store.recordFollowUp(a, ids[0] as string, { note: "需求明确", grade: "A" });
    expect(f1).toMatchObject({ ok: true, followUp: { grade: "A", nextContactOn: "2026-12-01" } });
    expect(await store.recordFollowUp(a, ids[1] as string, { grade: "B" })).toMatchObject({
      followUp: { nextContactOn: "2026-12-07" },
    });
    const quick = await store.quickFollowUp(a, ids[2] as string, "not_interested");
    expect(quick).toMatchObject({
      ok: true,
      followUp: { grade: "D", nextContactOn: "2026-12-30", note: "客户表示暂无意向" },
    });
    expect(await store.quickFollowUp(a, ids[2] as string, "teleport")).toMatchObject({
      reason: "unknown_disposition",
    });
    // 2 Dec Shanghai: A (due 1 Dec) is overdue, nothing due today.
    clock.now = Date.parse("2026-12-02T03:00:00.000Z");
    const mine = await store.dueList(a, { scope: "mine" });
    expect(mine).toMatchObject({ ok: true, today: "2026-12-02", dueToday: [] });
    if (mine.ok) expect(mine.overdue.map((d) => d.customerId)).toEqual([ids[0]]);
    clock.now = Date.parse("2026-12-07T01:00:00.000Z");
    const team = await store.dueList(manager(orgId, ["t1"]), { scope: "team", teamId: "t1" });
    if (!team.ok) throw new Error(team.reason);
    expect(team.dueToday.map((d) => d.customerId)).toEqual([ids[1]]);
    expect(team.overdue.map((d) => d.customerId)).toEqual([ids[0]]);
    expect(await store.dueList(manager(orgId, ["t2"]), { scope: "team", teamId: "t1" })).toMatchObject({
      reason: "forbidden",
    });
    const reminders = await store.reminders(a);
    expect(reminders.map((r) => r.kind).sort()).toEqual(["follow_up_due", "follow_up_due"]);
    const graded = (await peekOutbox(redis)).filter(
      (e) => e.org_id === orgId && e.kind === "customer.graded",
    );
    expect(graded).toHaveLength(3);
  });
});

describe("visibility", () => {
  it("a rep never sees another team's customers; managers see their teams; directors all (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.boolean()), { minLength: 5, maxLength: 25 }),
        async (plan) => {
          const { orgId, store } = await newOrg();
          const reps = Array.from({ length: 6 }, (_, i) => agent(orgId, `r${i}`, `t${i % 3}`));
          const made: { id: string; rep: number; pool: boolean }[] = [];
          for (const [k, [rep, pool]] of plan.entries()) {
            const r = await store.createCustomer(reps[rep] as Actor, {
              name: `客户${k}`,
              phones: [phone(k)],
              hold: !pool,
            });
            if (r.ok) made.push({ id: r.customer.id, rep, pool });
          }
          for (const [i, me] of reps.entries()) {
            const mine = await store.listCustomers(me, { view: "visible", limit: 500 });
            for (const c of mine.items)
              expect(c.ownerId === me.agentId || c.secondOwnerId === me.agentId).toBe(true);
            for (const m of made) {
              const got = await store.getCustomer(me, m.id);
              const shouldSee = m.pool || m.rep === i;
              expect(got.ok).toBe(shouldSee);
              if (!shouldSee) expect(got).toMatchObject({ reason: "forbidden" });
            }
            const hits = await store.searchCustomers(me, { text: "客户" }, 100);
            for (const h of hits)
              if (h.visible) expect(h.ownerId === undefined || h.ownerId === me.agentId).toBe(true);
          }
          const mgr = manager(orgId, ["t1"]);
          const seen = await store.listCustomers(mgr, { view: "visible", limit: 500 });
          for (const c of seen.items) expect(c.groupId).toBe("t1");
          const all = await store.listCustomers(director(orgId), { view: "visible", limit: 500 });
          expect(all.items).toHaveLength(made.length);
        },
      ),
      { numRuns: 10 },
    );
  });
});
