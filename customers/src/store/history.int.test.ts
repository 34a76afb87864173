// The log side: events the rules wrote, inserted as the sink writes them into the embedded
// ClickHouse host (migrated), read back through migrations 140–142 and rebuilt into Redis.
import { insertEvents, migrate } from "@cc/analytics";
import { type ClickHouseHost, startClickHouseHost, startRedis } from "@cc/infra";
import { type ClickHouseClient, createClient as createClickHouse } from "@clickhouse/client";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../records/types.ts";
import { customerHistory } from "./history.ts";
import { custKeys, OUTBOX } from "./keys.ts";
import { peekOutbox } from "./outbox.ts";
import { rebuildFromClickHouse } from "./rebuild.ts";
import type { Redis } from "./redis.ts";
import { CustomerStore } from "./store.ts";

const ORG = "acme-cust";
let host: ClickHouseHost;
let ch: ClickHouseClient;
let server: Awaited<ReturnType<typeof startRedis>>;
let redis: Redis;

beforeAll(async () => {
  host = await startClickHouseHost();
  ch = createClickHouse({ url: host.url, ...host.writer });
  await migrate(ch);
  server = await startRedis();
  redis = createClient({ url: server.url }) as unknown as Redis;
  await redis.connect();
});
afterAll(async () => {
  await redis?.quit();
  await server?.stop();
  await ch?.close();
  await host?.stop();
});

const agent = (id: string, team: string): Actor => ({
  userId: `u-${id}`,
  agentId: id,
  role: "agent",
  teamIds: [team],
  orgId: ORG,
});
const director: Actor = { userId: "dir", role: "director", teamIds: [], orgId: ORG };

async function rows<T>(query: string): Promise<T[]> {
  const rs = await ch.query({ query, query_params: { org: ORG }, format: "JSONEachRow" });
  return (await rs.json()) as T[];
}

describe("customer history in ClickHouse", () => {
  it("holds, follow-ups and history read back from the log; Redis rebuilt from ClickHouse is the same", async () => {
    const clock = { now: Date.parse("2026-11-02T01:00:00.000Z") };
    const store = new CustomerStore({ redis, clock: () => clock.now });
    await store.updateSettings(director, { timeZone: "Asia/Shanghai" });
    const a = agent("a1", "t1");
    const b = agent("b1", "t2");
    const c1 = await store.createCustomer(a, {
      name: "张伟",
      company: "杭州华为技术有限公司",
      phones: ["13900000001"],
      leadId: "lead-1",
    });
    const c2 = await store.createCustomer(b, {
      name: "李娜",
      company: "北京华为科技有限公司",
      phones: ["13900000002"],
    });
    if (!c1.ok || !c2.ok) throw new Error("create");
    clock.now += 3_600_000;
    await store.recordFollowUp(a, c1.customer.id, { grade: "A", note: "意向强" });
    const req = await store.requestExtension(b, c2.customer.id, 3);
    if (!req.ok) throw new Error(req.reason);
    await store.decideExtension(
      { ...director, role: "manager", teamIds: ["t2"], userId: "m2" },
      req.request.id,
      true,
    );
    await store.release(b, c2.customer.id);
    clock.now += 3_600_000;
    await store.claim(a, c2.customer.id);
    await store.attributeOrder(ORG, {
      orderId: "o-1",
      customerId: c2.customer.id,
      agentId: "b1",
      at: clock.now,
      amountMinor: 500_00,
    });
    await insertEvents(
      ch,
      (await peekOutbox(redis)).filter((e) => e.org_id === ORG),
    );

    const holds = await rows<{ customer_id: string; holder_id: string; group_id: string }>(
      "SELECT customer_id, holder_id, group_id FROM customer_holds_current WHERE org_id = {org:String} ORDER BY customer_id",
    );
    const live = await Promise.all(
      holds.map((h) => redis.hmGet(custKeys.record(ORG, h.customer_id), ["owner", "group"])),
    );
    expect(holds).toHaveLength(2);
    expect(holds.map((h) => [h.holder_id, h.group_id])).toEqual(live);
    expect(holds.every((h) => h.holder_id === "a1")).toBe(true);

    const due = await rows<{ customer_id: string; grade: string; next_contact_on: string }>(
      "SELECT customer_id, grade, toString(next_contact_on) AS next_contact_on FROM customer_follow_ups_latest WHERE org_id = {org:String}",
    );
    expect(due).toEqual([{ customer_id: c1.customer.id, grade: "A", next_contact_on: "2026-11-03" }]);

    const hist = await customerHistory(ch, store, director, c2.customer.id);
    if (!hist.ok) throw new Error(hist.reason);
    expect(hist.rows.map((r) => r.kind).reverse()).toEqual([
      "customer.created",
      "customer.claimed",
      "customer.extension_requested",
      "customer.extension_decided",
      "customer.released",
      "customer.claimed",
      "customer.order_attributed",
      "customer.graded",
    ]);
    expect(await customerHistory(ch, store, agent("x", "t9"), c1.customer.id)).toMatchObject({
      ok: false,
      reason: "forbidden",
    });

    // Rebuild: wipe the org's Redis state, fold the log from ClickHouse, the same records come back.
    const before = await Promise.all([c1, c2].map((c) => redis.hGetAll(custKeys.record(ORG, c.customer.id))));
    await redis.del(OUTBOX);
    const rebuilt = await rebuildFromClickHouse(ch, redis, ORG, await store.settings(ORG));
    expect(rebuilt.customers).toBe(2);
    const after = await Promise.all([c1, c2].map((c) => redis.hGetAll(custKeys.record(ORG, c.customer.id))));
    expect(after).toEqual(before);
    expect(await store.holderAt(ORG, c2.customer.id, clock.now)).toBe("a1");
    expect(await store.claim(b, c1.customer.id)).toMatchObject({
      ok: false,
      reason: "held_by_other",
      heldBy: "a1",
    });
  });
});
