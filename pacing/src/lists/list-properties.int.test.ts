// Properties of the Redis dialing list against a real redis-server, with fast-check choosing
// leads, lists, takers, outcomes and the clock: no DNC/blacklisted number is ever handed out, no
// lead is held by two dialers at once, no lead is handed out outside its calling window, and the
// attempt limits per local day and per campaign hold.
import { startRedis } from "@cc/infra";
import fc from "fast-check";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CampaignConfig } from "../campaigns.ts";
import { calleeZones, insideWindow } from "../compliance/window.ts";
import type { CallOutcome } from "../sim/runner.ts";
import { allocateLeads, reallocateLeads } from "./allocation.ts";
import { localDay, RedisDialingList, type Taker } from "./dialing-list.ts";
import { NumberListStore } from "./number-lists.ts";

type Redis = ReturnType<typeof createClient>;

const T0 = Date.parse("2026-03-02T00:00:00Z");
const OUTCOMES: CallOutcome[] = [
  "busy",
  "no_answer",
  "machine",
  "network",
  "live_connected",
  "invalid_number",
  "rejected",
];
const takerArb: fc.Arbitrary<Taker> = fc.oneof(
  fc.constant({}),
  fc.record({ agentId: fc.constantFrom("ann", "bob"), teamIds: fc.constant(["north"]) }),
  fc.record({ teamIds: fc.constant(["south"]) }),
);
const RUNS = { numRuns: 25 };

describe("dialing list properties (real redis-server)", () => {
  let server: Awaited<ReturnType<typeof startRedis>>;
  const clients: Redis[] = [];
  let seq = 0;
  beforeAll(async () => {
    server = await startRedis();
    for (let i = 0; i < 6; i++) {
      const c = createClient({ url: server.url });
      await c.connect();
      clients.push(c as Redis);
    }
  });
  afterAll(async () => {
    for (const c of clients) await c.quit();
    await server?.stop();
  });

  const org = () => `p${seq++}`;
  const listOn = (redis: Redis, orgId: string, over: Record<string, unknown> = {}) =>
    RedisDialingList.forCampaign(
      redis,
      orgId,
      CampaignConfig.parse({
        id: "c",
        caller_id: "+8657100000000",
        window: { start: "00:00", end: "24:00" },
        ...over,
      }),
      5 * 60_000,
    );
  const cnPhone = (i: number) => `+86138${String(i).padStart(8, "0")}`;

  it("never hands out a number on the DNC list or the blacklist, whatever the takers, allocations and outcomes", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 0, max: 9999 }), { minLength: 1, maxLength: 40 }),
        fc.array(
          fc.record({
            pick: fc.nat(),
            list: fc.constantFrom("dnc" as const, "blacklist" as const),
            atStep: fc.nat({ max: 5 }),
          }),
          { maxLength: 15 },
        ),
        fc.array(fc.tuple(takerArb, fc.integer({ min: 1, max: 8 }), fc.constantFrom(...OUTCOMES)), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.boolean(),
        async (nums, listings, steps, allocate) => {
          const o = org();
          const list = listOn(clients[0]!, o);
          for (const n of nums) await list.add({ leadId: `L${n}`, phone: cnPhone(n), consent: true }, T0);
          if (allocate)
            await allocateLeads(
              clients[0]!,
              {
                orgId: o,
                campaignId: "c",
                plan: [
                  { teamId: "north", agentIds: ["ann"], quota: 5 },
                  { teamId: "south", quota: 5 },
                ],
              },
              T0,
            );
          const stores = {
            dnc: new NumberListStore(clients[0]!, o, "dnc"),
            blacklist: new NumberListStore(clients[0]!, o, "blacklist"),
          };
          const listed = new Set<string>();
          let t = T0;
          for (const [i, [taker, n, outcome]] of steps.entries()) {
            for (const l of listings.filter((x) => x.atStep === i)) {
              const p = cnPhone(nums[l.pick % nums.length]!);
              await stores[l.list].add(p);
              listed.add(p);
            }
            const r = await list.take(n, t, taker);
            for (const lead of r.leads) expect(listed.has(lead.phone)).toBe(false);
            for (const s of r.skipped.filter((x) => x.reason === "dnc" || x.reason === "blacklist"))
              expect(listed.has(s.phone)).toBe(true);
            for (const lead of r.leads) await list.settle(lead.leadId, outcome, t);
            t += 3 * 3_600_000;
          }
        },
      ),
      RUNS,
    );
  });

  it("never holds a lead for two dialers at once, with many takers on separate connections and re-allocations racing them", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 120 }),
        fc.array(fc.tuple(takerArb, fc.integer({ min: 1, max: 15 })), { minLength: 2, maxLength: 12 }),
        fc.integer({ min: 1, max: 4 }),
        async (leads, takers, rounds) => {
          const o = org();
          const lists = clients.map((c) => listOn(c, o));
          for (let i = 0; i < leads; i++)
            await lists[0]!.add({ leadId: `L${i}`, phone: cnPhone(i), consent: true }, T0);
          await allocateLeads(
            clients[0]!,
            {
              orgId: o,
              campaignId: "c",
              plan: [
                { teamId: "north", agentIds: ["ann", "bob"], quota: 20 },
                { teamId: "south", quota: 10 },
              ],
            },
            T0,
          );
          const held = new Set<string>();
          let t = T0;
          for (let round = 0; round < rounds; round++) {
            // A manager moves leads between agents while the dialers take.
            const moves = Array.from({ length: 3 }, (_, k) =>
              reallocateLeads(
                clients[5 - k]!,
                {
                  orgId: o,
                  campaignId: "c",
                  leadIds: Array.from({ length: 5 }, (_, j) => `L${(round * 7 + k * 5 + j) % leads}`),
                  teamId: "north",
                  agentId: k % 2 ? "ann" : "bob",
                },
                t,
              ),
            );
            const [results] = await Promise.all([
              Promise.all(takers.map(([who, n], i) => lists[i % lists.length]!.take(n, t, who))),
              Promise.all(moves),
            ]);
            const ids = results.flatMap((r) => r.leads.map((l) => l.leadId));
            expect(new Set(ids).size).toBe(ids.length);
            for (const id of ids) {
              expect(held.has(id)).toBe(false);
              held.add(id);
            }
            // Half the held leads come back (busy: retried 10 minutes later), the rest stay out.
            const back = [...held].filter((_, i) => i % 2 === 0);
            await Promise.all(back.map((id, i) => lists[i % lists.length]!.settle(id, "busy", t)));
            for (const id of back) held.delete(id);
            t += 11 * 60_000;
          }
        },
      ),
      RUNS,
    );
  });

  it("never hands out a lead outside its calling window in the callee's local time (injected clock)", async () => {
    const phoneArb = fc.oneof(
      fc.integer({ min: 0, max: 99_999_999 }).map((n) => ({ phone: `+86139${String(n).padStart(8, "0")}` })),
      fc.constantFrom(
        { phone: "+12125550123" },
        { phone: "+447700900123" },
        { phone: "+819012345678" },
        { phone: "+61412345678" },
      ),
      fc
        .integer({ min: 0, max: 99_999_999 })
        .map((n) => ({ phone: `+86139${String(n).padStart(8, "0")}`, tz: "America/New_York" })),
    );
    const hhmm = fc.integer({ min: 0, max: 23 }).map((h) => `${String(h).padStart(2, "0")}:00`);
    await fc.assert(
      fc.asyncProperty(
        fc.array(phoneArb, { minLength: 1, maxLength: 15 }),
        hhmm,
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.integer({ min: 0, max: 7 * 24 * 60 }), { minLength: 1, maxLength: 10 }),
        async (leads, start, hours, minutes) => {
          const end = `${String(Math.min(24, Number(start.slice(0, 2)) + hours)).padStart(2, "0")}:00`;
          const window = { start, end };
          const o = org();
          const list = listOn(clients[0]!, o, { window, max_attempts_per_day: 20, max_attempts: 50 });
          for (const [i, l] of leads.entries()) await list.add({ leadId: `L${i}`, consent: true, ...l }, T0);
          for (const m of [...minutes].sort((a, b) => a - b)) {
            const now = T0 + m * 60_000;
            const r = await list.take(20, now);
            for (const lead of r.leads)
              expect(insideWindow(calleeZones(lead.phone, lead.tz), window, now)).toBe(true);
            for (const lead of r.leads) await list.settle(lead.leadId, "busy", now);
          }
        },
      ),
      RUNS,
    );
  });

  it("keeps attempts per lead within the day's and the campaign's limits", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 10 }),
        fc.array(fc.tuple(fc.integer({ min: 1, max: 600 }), fc.constantFrom(...OUTCOMES), takerArb), {
          minLength: 1,
          maxLength: 40,
        }),
        async (perDay, perCampaign, leads, steps) => {
          const o = org();
          const list = listOn(clients[0]!, o, {
            max_attempts_per_day: perDay,
            max_attempts: perCampaign,
            retry: {
              busy: { delay_s: 60, max: 100 },
              no_answer: { delay_s: 120, max: 100 },
              machine: { delay_s: 300, max: 100 },
            },
          });
          for (let i = 0; i < leads; i++)
            await list.add({ leadId: `L${i}`, phone: cnPhone(i), consent: true }, T0);
          const total = new Map<string, number>();
          const daily = new Map<string, number>();
          let t = T0;
          for (const [stepMin, outcome, who] of steps) {
            t += stepMin * 60_000;
            const r = await list.take(3, t, who);
            for (const lead of r.leads) {
              const n = (total.get(lead.leadId) ?? 0) + 1;
              total.set(lead.leadId, n);
              expect(lead.attemptNo).toBe(n);
              expect(n).toBeLessThanOrEqual(perCampaign);
              const day = `${lead.leadId}|${localDay("Asia/Shanghai", t)}`;
              daily.set(day, (daily.get(day) ?? 0) + 1);
              expect(daily.get(day)).toBeLessThanOrEqual(perDay);
              await list.settle(lead.leadId, outcome, t);
            }
          }
        },
      ),
      RUNS,
    );
  });
});
