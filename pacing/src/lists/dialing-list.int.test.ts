import { startRedis } from "@cc/infra";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CampaignConfig, profileOf } from "../campaigns.ts";
import { RedisDialingList } from "./dialing-list.ts";
import { DncStore } from "./number-lists.ts";

type Redis = ReturnType<typeof createClient>;

describe("Redis dialing list", () => {
  let server: Awaited<ReturnType<typeof startRedis>>;
  let redis: Redis;
  let seq = 0;
  beforeAll(async () => {
    server = await startRedis();
    redis = createClient({ url: server.url });
    await redis.connect();
  });
  afterAll(async () => {
    await redis?.quit();
    await server?.stop();
  });

  const listOf = (window = { start: "00:00", end: "24:00" }, maxAttempts = 3) => {
    const cfg = CampaignConfig.parse({
      id: `c${seq++}`,
      caller_id: "+8657100000000",
      window,
      max_attempts: maxAttempts,
    });
    return new RedisDialingList({
      redis,
      orgId: "org",
      campaignId: cfg.id,
      profile: profileOf(cfg),
      leaseMs: 1_000,
    });
  };
  const phone = (i: number) => `+86138${String(i).padStart(8, "0")}`;

  it("never hands the same lead to two dialers taking at once", async () => {
    const list = listOf();
    for (let i = 0; i < 200; i++) await list.add({ leadId: `L${i}`, phone: phone(i), consent: true });
    const takes = await Promise.all(Array.from({ length: 8 }, () => list.take(40)));
    const ids = takes.flatMap((t) => t.leads.map((l) => l.leadId));
    expect(ids).toHaveLength(200);
    expect(new Set(ids).size).toBe(200);
    expect(await list.sizes()).toEqual({ callbacks: 0, fresh: 0, recycled: 0, taken: 200, held: 0 });
  });

  it("adds a lead once: a second add of the same lead changes nothing", async () => {
    const list = listOf();
    expect(await list.add({ leadId: "A", phone: phone(1), consent: true })).toBe(true);
    expect(await list.add({ leadId: "A", phone: phone(2), consent: false })).toBe(false);
    expect((await list.lead("A")).phone).toBe(phone(1));
  });

  it("closes DNC numbers on the way and never hands them out", async () => {
    const list = listOf();
    const dnc = new DncStore(redis, "org");
    await dnc.add("+86 138-0000-0007");
    await list.add({ leadId: "ok", phone: phone(8), consent: true });
    await list.add({ leadId: "blocked", phone: phone(7), consent: true });
    const r = await list.take(5);
    expect(r.leads.map((l) => l.leadId)).toEqual(["ok"]);
    expect(r.skipped).toEqual([{ leadId: "blocked", reason: "dnc", phone: phone(7) }]);
    expect((await list.lead("blocked")).state).toBe("done");
    await dnc.remove(phone(7));
  });

  it("retries by outcome, calls back first, closes invalid numbers and stops at the attempt limit", async () => {
    const list = listOf(undefined, 2);
    await list.add({ leadId: "busy", phone: phone(10), consent: true });
    await list.add({ leadId: "invalid", phone: phone(11), consent: true });
    await list.add({ leadId: "cb", phone: phone(12), consent: true });
    const now = Date.now();
    const first = await list.take(3, now);
    expect(first.leads).toHaveLength(3);
    await list.settle("busy", "busy", now);
    await list.settle("invalid", "invalid_number", now);
    await list.settle("cb", "live_connected", now, { callbackAt: now + 1_000 });
    expect((await list.lead("invalid")).state).toBe("done");
    // 11 minutes later the busy retry (10 min) and the call-back are due, the call-back first.
    const later = await list.take(5, now + 11 * 60_000);
    expect(later.leads.map((l) => [l.leadId, l.attemptNo])).toEqual([
      ["cb", 2],
      ["busy", 2],
    ]);
    await list.settle("busy", "busy", now + 11 * 60_000);
    const third = await list.take(5, now + 30 * 60_000);
    expect(third.leads).toEqual([]);
    expect(third.skipped).toEqual([{ leadId: "busy", reason: "max_attempts", phone: phone(10) }]);
  });

  it("defers leads outside their calling window without spending an attempt", async () => {
    // 09:00–10:00 Shanghai; 02:00 UTC is 10:00 there: closed.
    const list = listOf({ start: "09:00", end: "10:00" });
    const at = Date.parse("2026-03-02T02:00:00Z");
    await list.add({ leadId: "W", phone: phone(20), consent: true }, at);
    const r = await list.take(1, at);
    expect(r.leads).toEqual([]);
    expect(r.skipped).toEqual([{ leadId: "W", reason: "outside_window", phone: phone(20) }]);
    const lead = await list.lead("W");
    expect(lead.attempts).toBe("0");
    // Next morning at 09:00 Shanghai (01:00 UTC) it is due and its first attempt is attempt 1.
    const next = await list.take(1, Date.parse("2026-03-03T01:00:00Z"));
    expect(next.leads.map((l) => [l.leadId, l.attemptNo])).toEqual([["W", 1]]);
  });

  it("returns leads whose outcome never came back once their lease runs out", async () => {
    const list = listOf();
    await list.add({ leadId: "lost", phone: phone(30), consent: true });
    const now = Date.now();
    await list.take(1, now);
    expect(await list.sweep(now + 500)).toBe(0);
    expect(await list.sweep(now + 1_500)).toBe(1);
    const again = await list.take(1, now + 1_500);
    expect(again.leads.map((l) => [l.leadId, l.attemptNo])).toEqual([["lost", 2]]);
  });
});
