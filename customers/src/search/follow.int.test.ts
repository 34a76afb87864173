import { startRedis } from "@cc/infra";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../records/types.ts";
import type { Redis } from "../store/redis.ts";
import { CustomerStore } from "../store/store.ts";
import { followSearchIndex, loadSearchIndex } from "./follow.ts";
import { CustomerSearchIndex } from "./index.ts";

let server: Awaited<ReturnType<typeof startRedis>>;
let redis: Redis;
let tail: Redis;

beforeAll(async () => {
  server = await startRedis();
  redis = createClient({ url: server.url }) as unknown as Redis;
  tail = createClient({ url: server.url }) as unknown as Redis;
  await Promise.all([redis.connect(), tail.connect()]);
});
afterAll(async () => {
  await tail?.quit();
  await redis?.quit();
  await server?.stop();
});

describe("search index follower", () => {
  it("loads every customer, then follows creates and renames made by another process", async () => {
    const org = "follow";
    const writer = new CustomerStore({ redis });
    const admin: Actor = { userId: "admin", role: "admin", teamIds: [], orgId: org };
    const first = await writer.createCustomer(admin, {
      name: "张伟",
      company: "杭州华为技术有限公司",
      hold: false,
    });
    if (!first.ok) throw new Error(first.reason);
    const index = new CustomerSearchIndex();
    const from = await loadSearchIndex(redis, org, index);
    expect(index.search("华为技术").map((h) => h.id)).toEqual([first.customer.id]);
    const follower = followSearchIndex(tail, org, index, from);
    try {
      const second = await writer.createCustomer(admin, {
        name: "李娜",
        company: "宁波海天塑机集团",
        hold: false,
      });
      await writer.updateCustomer(admin, first.customer.id, { company: "杭州海康威视数字技术有限公司" });
      if (!second.ok) throw new Error(second.reason);
      const reader = new CustomerStore({ redis, searchIndex: index });
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && index.search("海天塑机").length === 0)
        await new Promise((r) => setTimeout(r, 50));
      expect((await reader.searchCustomers(admin, { text: "海天塑机" })).map((h) => h.customerId)).toEqual([
        second.customer.id,
      ]);
      while (Date.now() < deadline && index.search("海康威视").length === 0)
        await new Promise((r) => setTimeout(r, 50));
      expect(index.search("海康威视").map((h) => h.id)).toEqual([first.customer.id]);
      expect(index.search("华为技术")).toEqual([]);
    } finally {
      await follower.stop();
    }
  });
});
