import { startRedis } from "@cc/infra";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CampaignConfig } from "../campaigns.ts";
import { allocateLeads, allocationOverview, reallocateLeads, splitQuota } from "./allocation.ts";
import { RedisDialingList } from "./dialing-list.ts";
import { NumberListStore } from "./number-lists.ts";

type Redis = ReturnType<typeof createClient>;

const HOUR = 3_600_000;
// 12:00 in Shanghai: inside the default 08:00–21:00 window.
const NOON = Date.parse("2026-03-02T04:00:00Z");

describe("allocation, call-backs and retry rules of a campaign's list", () => {
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

  const campaign = (over: Record<string, unknown> = {}) => {
    const cfg = CampaignConfig.parse({ id: `a${seq++}`, caller_id: "+8657100000000", ...over });
    return { cfg, list: RedisDialingList.forCampaign(redis, "org", cfg, 60_000) };
  };
  const phone = (i: number) => `+86139${String(i).padStart(8, "0")}`;
  const fill = async (list: RedisDialingList, n: number, from = 0) => {
    for (let i = from; i < from + n; i++)
      await list.add({ leadId: `L${i}`, phone: phone(i), consent: true }, NOON);
  };
  const ids = (r: { leads: { leadId: string }[] }) => r.leads.map((l) => l.leadId);

  it("splits quotas evenly", () => {
    expect(splitQuota(10, 3)).toEqual([4, 3, 3]);
    expect(splitQuota(2, 4)).toEqual([1, 1, 0, 0]);
  });

  it("allocates org → team → agent by quota; each agent takes their own leads first, the pool never sees them", async () => {
    const { cfg, list } = campaign();
    await fill(list, 20);
    const got = await allocateLeads(
      redis,
      {
        orgId: "org",
        campaignId: cfg.id,
        plan: [
          { teamId: "north", agentIds: ["ann", "bob"], quota: 6 },
          { teamId: "south", quota: 4 },
        ],
      },
      NOON,
    );
    expect(got.filter((a) => a.agentId === "ann")).toHaveLength(3);
    expect(got.filter((a) => a.agentId === "bob")).toHaveLength(3);
    expect(got.filter((a) => a.teamId === "south" && !a.agentId)).toHaveLength(4);
    expect(new Set(got.map((a) => a.leadId)).size).toBe(10);
    expect(await allocationOverview(redis, { orgId: "org", campaignId: cfg.id })).toEqual({
      pool: { callbacks: 0, fresh: 10, recycled: 0 },
      teams: [{ teamId: "south", waiting: 4 }],
      agents: [
        { agentId: "ann", waiting: 3 },
        { agentId: "bob", waiting: 3 },
      ],
      taken: 0,
    });
    const annLeads = got.filter((a) => a.agentId === "ann").map((a) => a.leadId);
    const ann = await list.take(5, NOON, { agentId: "ann", teamIds: ["north"] });
    // Her three, then (north has no team-wide leads) two from the pool.
    expect(ids(ann).slice(0, 3).sort()).toEqual(annLeads.sort());
    expect(ann.leads.slice(0, 3).every((l) => l.agentId === "ann" && l.teamId === "north")).toBe(true);
    const south = await list.take(4, NOON, { teamIds: ["south"] });
    expect(south.leads.every((l) => l.teamId === "south")).toBe(true);
    // The campaign-wide dialer takes only the pool: 20 - 10 allocated - 2 ann took from it.
    const pool = await list.take(50, NOON);
    expect(pool.leads).toHaveLength(8);
    expect(pool.leads.some((l) => l.teamId || l.agentId)).toBe(false);
  });

  it("re-allocates leads between agents and back to the pool; closed leads are not moved", async () => {
    const { cfg, list } = campaign();
    await fill(list, 4);
    const got = await allocateLeads(
      redis,
      { orgId: "org", campaignId: cfg.id, plan: [{ teamId: "t", agentIds: ["ann"], quota: 4 }] },
      NOON,
    );
    expect(got).toHaveLength(4);
    const dnc = new NumberListStore(redis, "org", "dnc");
    await dnc.add(phone(3));
    const closed = await list.take(4, NOON, { agentId: "ann" });
    expect(closed.skipped.map((s) => s.leadId)).toEqual(["L3"]);
    for (const l of closed.leads) await list.settle(l.leadId, "busy", NOON);
    const moved = await reallocateLeads(
      redis,
      { orgId: "org", campaignId: cfg.id, leadIds: ["L0", "L1", "L3"], teamId: "t", agentId: "cat" },
      NOON,
    );
    expect(moved.moved).toEqual(["L0", "L1"]);
    expect(moved.notMoved).toEqual([{ leadId: "L3", state: "done" }]);
    const back = await reallocateLeads(redis, { orgId: "org", campaignId: cfg.id, leadIds: ["L2"] }, NOON);
    expect(back.moved).toEqual(["L2"]);
    const later = NOON + 11 * 60_000; // the 10-minute busy retry is due
    expect(ids(await list.take(5, later, { agentId: "ann" }))).toEqual(["L2"]); // only via the pool
    expect(ids(await list.take(5, later, { agentId: "cat" })).sort()).toEqual(["L0", "L1"]);
    await dnc.remove(phone(3));
  });

  it("returns allocated leads left untouched to the pool after the recycle time", async () => {
    const { cfg, list } = campaign({ recycle_after_h: 2 });
    await fill(list, 3);
    await allocateLeads(
      redis,
      {
        orgId: "org",
        campaignId: cfg.id,
        plan: [{ teamId: "t", agentIds: ["ann"], quota: 3 }],
        holdMs: 2 * HOUR,
      },
      NOON,
    );
    expect((await list.take(5, NOON + HOUR)).leads).toEqual([]);
    const r = await list.take(5, NOON + 2 * HOUR + 1);
    expect(r.released.map((x) => x.to)).toEqual(["pool", "pool", "pool"]);
    expect(ids(r).sort()).toEqual(["L0", "L1", "L2"]);
    expect(r.leads.some((l) => l.agentId)).toBe(false);
  });

  it("a disposition's next contact is that agent's call-back first, their team's after the grace period", async () => {
    const { list } = campaign({ callback_grace_s: 600 });
    await list.add({ leadId: "C", phone: phone(50), consent: true, teamId: "north" }, NOON);
    expect(ids(await list.take(1, NOON, { agentId: "ann", teamIds: ["north"] }))).toEqual(["C"]);
    const at = NOON + HOUR;
    await list.settle("C", "live_connected", NOON, { callbackAt: at, agentId: "ann" });
    expect(ids(await list.take(1, at - 1, { agentId: "ann", teamIds: ["north"] }))).toEqual([]);
    // Due: bob (same team) is not offered it during the grace period, ann is.
    expect(ids(await list.take(1, at + 1, { agentId: "bob", teamIds: ["north"] }))).toEqual([]);
    expect((await list.take(1, at + 1)).leads).toEqual([]);
    const annTakes = await list.take(1, at + 1, { agentId: "ann", teamIds: ["north"] });
    expect(annTakes.leads).toMatchObject([{ leadId: "C", callback: true, agentId: "ann", attemptNo: 2 }]);
    // She could not reach them: the call-back stays hers (no answer retry) — now let it lapse.
    await list.settle("C", "blocked", at + 1, { dueAt: at + 2, undo: true });
    const afterGrace = at + 2 + 10 * 60_000 + 1;
    const bob = await list.take(1, afterGrace, { agentId: "bob", teamIds: ["north"] });
    expect(bob.released).toEqual([{ leadId: "C", to: "team", teamId: "north" }]);
    expect(bob.leads).toMatchObject([{ leadId: "C", callback: true, teamId: "north" }]);
  });

  it("a call-back without a team goes to the pool's call-backs after the grace period, ahead of fresh leads", async () => {
    const { list } = campaign({ callback_grace_s: 60 });
    await list.add({ leadId: "X", phone: phone(60), consent: true }, NOON);
    await list.take(1, NOON);
    await list.settle("X", "live_connected", NOON, { callbackAt: NOON + 1000, agentId: "ann" });
    await list.add({ leadId: "F", phone: phone(61), consent: true }, NOON);
    const r = await list.take(2, NOON + 62_000);
    expect(ids(r)).toEqual(["X", "F"]);
  });

  it("applies the campaign's retry rule per outcome: delay and maximum retries", async () => {
    const { list } = campaign({
      max_attempts_per_day: 10,
      retry: { busy: { delay_s: 60, max: 2 }, no_answer: { delay_s: null } },
    });
    await list.add({ leadId: "B", phone: phone(70), consent: true }, NOON);
    await list.add({ leadId: "N", phone: phone(71), consent: true }, NOON);
    await list.take(2, NOON);
    await list.settle("N", "no_answer", NOON);
    expect(await list.lead("N")).toMatchObject({ state: "done", done_reason: "no_answer" });
    let t = NOON;
    for (let i = 0; i < 2; i++) {
      await list.settle("B", "busy", t);
      expect(ids(await list.take(1, t + 59_000))).toEqual([]);
      t += 61_000;
      expect(ids(await list.take(1, t))).toEqual(["B"]);
    }
    await list.settle("B", "busy", t); // third busy: past the 2 retries
    expect(await list.lead("B")).toMatchObject({ state: "done", done_reason: "retries_exhausted" });
  });

  it("caps attempts per lead per callee-local day, then dials again the next morning", async () => {
    const { list } = campaign({ max_attempts_per_day: 2, retry: { busy: { delay_s: 60, max: 10 } } });
    await list.add({ leadId: "D", phone: phone(80), consent: true }, NOON);
    let t = NOON;
    for (let i = 0; i < 2; i++) {
      expect(ids(await list.take(1, t))).toEqual(["D"]);
      await list.settle("D", "busy", t);
      t += 61_000;
    }
    const third = await list.take(1, t);
    expect(third.skipped).toMatchObject([{ leadId: "D", reason: "max_attempts_day" }]);
    expect((await list.lead("D")).attempts).toBe("2");
    // Next day 08:00 Shanghai = 00:00 UTC.
    const next = await list.take(1, Date.parse("2026-03-03T00:00:00Z"));
    expect(next.leads).toMatchObject([{ leadId: "D", attemptNo: 3 }]);
  });

  it("never hands out a blacklisted number (黑名单) and says so", async () => {
    const { list } = campaign();
    const black = new NumberListStore(redis, "org", "blacklist");
    await black.add("139 0000 0090");
    await list.add({ leadId: "K", phone: phone(90), consent: true }, NOON);
    const r = await list.take(1, NOON);
    expect(r.skipped).toEqual([{ leadId: "K", reason: "blacklist", phone: phone(90) }]);
    expect(await list.lead("K")).toMatchObject({ state: "done", done_reason: "blacklist" });
    await black.remove(phone(90));
  });
});
