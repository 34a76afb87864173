import { startRedis } from "@cc/infra";
import { makeEvent } from "@cc/ingest";
import { createClient } from "redis";
import { describe, expect, it } from "vitest";
import { liveKeys } from "./keys.ts";
import type { LiveRedis } from "./projector.ts";
import { readLatestPacing, readLiveAgents, readLiveCalls } from "./readers.ts";

describe("live-state readers", () => {
  it("read what the projector stores through schemas; bad values are skipped, never passed on", async () => {
    await using server = await startRedis();
    const redis: LiveRedis = createClient({ url: server.url });
    await redis.connect();
    try {
      const org = "acme";
      const now = Date.now();
      await redis.sAdd(liveKeys.agents(org), ["a1", "a2"]);
      await redis.hSet(liveKeys.agent(org, "a1"), {
        agent_id: "a1",
        state: "ready",
        since: String(now),
        skills: '[{"skill":"sales","level":5}]',
      });
      await redis.hSet(liveKeys.agent(org, "a2"), {
        agent_id: "a2",
        state: "ready",
        since: String(now),
        skills: '{"skill":"sales"', // torn
      });
      const agents = await readLiveAgents(redis, { orgId: org }, now);
      expect(agents.map((a) => [a.agentId, a.skills])).toEqual([
        ["a1", [{ skill: "sales", level: 5 }]],
        ["a2", []],
      ]);

      await redis.sAdd(liveKeys.campaigns(org), ["spring"]);
      await redis.hSet(liveKeys.calls(org, "spring"), {
        good: JSON.stringify({ stage: "talking", since: now, lead: "l1", agent: "a1" }),
        unknownStage: JSON.stringify({ stage: "flying", since: now }),
        wrongTypes: JSON.stringify({ stage: "dialing", since: "yesterday" }),
        torn: '{"stage":"dial',
      });
      const [calls] = await readLiveCalls(redis, { orgId: org }, now);
      expect(calls?.calls.map((c) => c.attempt)).toEqual(["good"]);
      expect(calls).toMatchObject({ talking: 1, dialing: 0 });

      const decision = makeEvent({
        kind: "pacing.decision",
        org_id: org,
        campaign_id: "spring",
        decision_id: "d1",
        mode: "predictive",
        algorithm: "erlang",
        launch: 2,
        agents_logged_in: 1,
        agents_ready: 1,
        attempts_in_flight: 0,
        expected_agents_free: 1,
        expected_live_answers: 1,
        predicted_abandon_probability: 0.01,
        abandon_budget_left: 0.02,
        explanation: {},
      });
      await redis.hSet(liveKeys.pacing(org, "spring"), "json", JSON.stringify(decision));
      expect(await readLatestPacing(redis, { orgId: org })).toEqual({ spring: decision });
      await redis.hSet(liveKeys.pacing(org, "spring"), "json", JSON.stringify({ kind: "call.ended" }));
      expect(await readLatestPacing(redis, { orgId: org })).toEqual({});
    } finally {
      await redis.quit();
    }
  });
});
