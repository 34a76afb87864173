import { startRedis } from "@cc/infra";
import { createClient } from "redis";
import { describe, expect, it } from "vitest";
import { InFlightJournal } from "./journal.ts";

describe("in-flight journal", () => {
  it("gives back what was put, through its schema; torn and foreign entries are left out", async () => {
    await using server = await startRedis();
    const redis = createClient({ url: server.url }) as unknown as ConstructorParameters<
      typeof InFlightJournal
    >[0];
    await redis.connect();
    try {
      const journal = new InFlightJournal(redis, "acme", "media-1");
      const entry = {
        attemptId: "att-1",
        campaignId: "c1",
        leadId: "l1",
        stage: "bridged" as const,
        agentId: "a1",
        at: 5,
      };
      await journal.put(entry);
      await journal.put({ ...entry, attemptId: "att-2", stage: "dialing", agentId: undefined });
      const key = "cc:media:inflight:acme:media-1";
      await redis.hSet(key, {
        "att-3": '{"attemptId":"att-3","stage":"dia',
        "att-4": '{"attemptId":"att-4","stage":"parked","at":1}',
      });
      const all = (await journal.all()).sort((a, b) => a.attemptId.localeCompare(b.attemptId));
      expect(all).toEqual([
        entry,
        { attemptId: "att-2", campaignId: "c1", leadId: "l1", stage: "dialing", at: 5 },
      ]);
      await journal.remove("att-1");
      expect((await journal.all()).map((e) => e.attemptId)).toEqual(["att-2"]);
    } finally {
      await redis.quit();
    }
  });
});
