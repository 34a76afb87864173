import { startRedis } from "@cc/infra";
import fc from "fast-check";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../records/types.ts";
import { OUTBOX, orgPrefix } from "./keys.ts";
import { peekOutbox } from "./outbox.ts";
import { rebuildFromEvents } from "./rebuild.ts";
import type { Redis } from "./redis.ts";
import { CustomerStore } from "./store.ts";

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

/** Every key of the org's state with its value, in a comparable form. */
async function snapshot(orgId: string): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for await (const keys of redis.scanIterator({ MATCH: `${orgPrefix(orgId)}*`, COUNT: 1000 })) {
    for (const k of keys as unknown as string[]) {
      const rest = k.slice(orgPrefix(orgId).length);
      if (rest === "changes" || rest.startsWith("extreq:") || rest.startsWith("extused:")) continue;
      const type = await redis.type(k);
      if (type === "hash") out[rest] = await redis.hGetAll(k);
      else if (type === "set") out[rest] = (await redis.sMembers(k)).sort();
      else if (type === "zset") out[rest] = await redis.zRangeWithScores(k, 0, -1);
      else if (type === "list") out[rest] = await redis.lRange(k, 0, -1);
      else if (type === "string") out[rest] = await redis.get(k);
    }
  }
  for (const k of Object.keys(out))
    if (Array.isArray(out[k]) && (out[k] as unknown[]).length === 0) delete out[k];
  return out;
}

const agent = (orgId: string, id: string, team: string): Actor => ({
  userId: `u-${id}`,
  agentId: id,
  role: "agent",
  teamIds: [team],
  orgId,
});

describe("rebuild from the event log", () => {
  it("folding the events the rules wrote gives back the same Redis state (property over random days)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: 7 }),
            fc.integer({ min: 0, max: 11 }),
            fc.integer({ min: 0, max: 3 }),
          ),
          {
            minLength: 10,
            maxLength: 60,
          },
        ),
        async (ops) => {
          const orgId = `rb${seq++}`;
          const clock = { now: Date.parse("2026-10-25T01:00:00.000Z") };
          const store = new CustomerStore({ redis, clock: () => clock.now });
          const dir: Actor = { userId: "dir", role: "director", teamIds: [], orgId };
          await store.updateSettings(dir, { timeZone: "America/New_York", quota: 4 });
          await redis.del(OUTBOX);
          const reps = [0, 1, 2, 3].map((i) => agent(orgId, `r${i}`, `t${i % 2}`));
          const ids: string[] = [];
          for (let i = 0; i < 12; i++) {
            const r = await store.createCustomer(reps[i % 4] as Actor, {
              name: `客户${i}`,
              company: `公司${i}`,
              phones: [`+8613${String(i).padStart(9, "0")}`],
              hold: i % 3 === 0,
            });
            if (r.ok) ids.push(r.customer.id);
          }
          for (const [op, c, r] of ops) {
            clock.now += 3 * 3_600_000 + op * 60_000;
            const id = ids[c % ids.length] as string;
            const rep = reps[r] as Actor;
            if (op === 0) await store.claim(rep, id);
            else if (op === 1) await store.release(rep, id);
            else if (op === 2)
              await store.recordFollowUp(rep, id, { grade: (["A", "B", "C", "D"] as const)[r] });
            else if (op === 3) {
              const req = await store.requestExtension(rep, id, 3 + r * 2);
              if (req.ok) await store.decideExtension(dir, req.request.id, r !== 3);
            } else if (op === 4) await store.markDealSigned(rep, id);
            else if (op === 5)
              await store.setSecondOwner(rep, id, { repId: `r${(r + 2) % 4}`, teamId: `t${r % 2}` });
            else if (op === 6)
              await store.attributeOrder(orgId, {
                orderId: `o${c}`,
                customerId: id,
                agentId: rep.agentId as string,
                at: clock.now,
                amountMinor: 5_000_000,
              });
            else {
              clock.now += 4 * 86_400_000;
              await store.releaseDue(clock.now, { orgIds: [orgId] });
            }
          }
          const before = await snapshot(orgId);
          const events = (await peekOutbox(redis, 100_000)).filter((e) => e.org_id === orgId);
          expect(events.length).toBeGreaterThan(10);
          expect(Object.keys(before).length).toBeGreaterThan(20);
          await rebuildFromEvents(redis, orgId, await store.settings(orgId), events);
          expect(await snapshot(orgId)).toEqual(before);
        },
      ),
      { numRuns: 15 },
    );
  });
});
