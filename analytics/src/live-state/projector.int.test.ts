import { type NatsServer, type RedisServer, startNats, startRedis } from "@cc/infra";
import { connectNats, type EventFields, ensureStreams, makeEvent, publishEvent } from "@cc/ingest";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { liveKeys } from "./keys.ts";
import { type LiveRedis, type LiveStateProjector, startLiveStateProjector } from "./projector.ts";
import { readLatestPacing, readLiveAgent, readLiveAgents, readLiveCalls } from "./readers.ts";

let nats: NatsServer;
let redisServer: RedisServer;
let nc: NatsConnection;
let redis: LiveRedis;
let projector: LiveStateProjector;
const ORG = "acme";
const t0 = Date.now() - 60_000;
const at = (s: number) => new Date(t0 + s * 1000).toISOString();

async function publish(fields: EventFields, s: number) {
  const e = makeEvent({ ...fields, occurred_at: at(s) } as EventFields);
  await publishEvent(jetstream(nc), e);
  return e;
}

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  [nats, redisServer] = await Promise.all([startNats(), startRedis()]);
  nc = await connectNats(nats.url);
  await ensureStreams(await jetstreamManager(nc));
  redis = createClient({ url: redisServer.url });
  await redis.connect();
  projector = await startLiveStateProjector({ nats: nc, redis });
});

afterAll(async () => {
  await projector?.stop();
  await redis?.quit();
  await nc?.close();
  await redisServer?.stop();
  await nats?.stop();
});

const call = { org_id: ORG, campaign_id: "spring", lead_id: "lead-1", attempt_id: "att-1" } as const;

describe("live-state projector", () => {
  it("follows an agent through login, ready, a bridged call and wrap-up", async () => {
    await publish(
      {
        kind: "agent.login",
        org_id: ORG,
        agent_id: "a1",
        team_id: "t1",
        skills: [{ skill: "sales", level: 5 }],
        campaign_id: "spring",
      },
      0,
    );
    await publish(
      {
        kind: "agent.state_changed",
        org_id: ORG,
        agent_id: "a1",
        state: "ready",
        previous_state: "paused",
        previous_state_s: 3,
      },
      3,
    );
    const ready = await until(
      () => readLiveAgent(redis, ORG, "a1"),
      (a) => a?.state === "ready",
    );
    expect(ready).toMatchObject({ team: "t1", campaign: "spring", skills: [{ skill: "sales", level: 5 }] });
    expect(ready?.since).toBe(Date.parse(at(3)));

    await publish(
      {
        ...call,
        kind: "call.attempt_created",
        phone: "+8613800138000",
        caller_id: "+8610123456",
        mode: "predictive",
        attempt_no: 1,
        skill: "sales",
      },
      4,
    );
    await publish({ ...call, kind: "call.ringing" }, 5);
    const ringing = await until(
      () => readLiveCalls(redis, { orgId: ORG }),
      // "created" already counts as dialing: wait for the ringing event itself.
      (c) => c[0]?.calls[0]?.stage === "ringing",
    );
    expect(ringing[0]?.dialing).toBe(1);
    expect(ringing[0]?.calls[0]).toMatchObject({ stage: "ringing", skill: "sales", lead: "lead-1" });

    await publish({ ...call, kind: "call.answered", detection: "human", detect_ms: 800, ring_s: 6 }, 11);
    await until(
      () => readLiveCalls(redis, { orgId: ORG }),
      (c) => c[0]?.waiting === 1,
    );
    await publish({ ...call, kind: "call.bridged", agent_id: "a1", wait_ms: 300 }, 12);
    await publish(
      {
        kind: "agent.state_changed",
        org_id: ORG,
        agent_id: "a1",
        state: "on_call",
        previous_state: "ready",
        previous_state_s: 9,
        attempt_id: "att-1",
        campaign_id: "spring",
      },
      12,
    );
    const talking = await until(
      () => readLiveCalls(redis, { orgId: ORG }),
      (c) => c[0]?.talking === 1,
    );
    expect(talking[0]).toMatchObject({ waiting: 0, dialing: 0 });
    const onCall = await until(
      () => readLiveAgent(redis, ORG, "a1"),
      (a) => a?.state === "on_call",
    );
    expect(onCall?.call).toMatchObject({ attempt: "att-1", lead: "lead-1", campaign: "spring" });

    await publish(
      {
        ...call,
        kind: "call.ended",
        agent_id: "a1",
        ring_s: 6,
        talk_s: 60,
        hold_s: 0,
        wrap_s: 0,
        hangup_by: "customer",
      },
      72,
    );
    await until(
      () => readLiveCalls(redis, { orgId: ORG }),
      (c) => c[0]?.calls.length === 0,
    );
    // A late duplicate of an earlier stage must not resurrect the finished call.
    await publish({ ...call, kind: "call.ringing" }, 5);
    await publish(
      {
        kind: "agent.state_changed",
        org_id: ORG,
        agent_id: "a1",
        state: "wrap_up",
        previous_state: "on_call",
        previous_state_s: 60,
      },
      72,
    );
    const wrap = await until(
      () => readLiveAgent(redis, ORG, "a1"),
      (a) => a?.state === "wrap_up",
    );
    expect(wrap?.call?.attempt).toBe("att-1");
    expect((await readLiveCalls(redis, { orgId: ORG }))[0]?.calls).toEqual([]);
  });

  it("ignores state changes older than what it already shows", async () => {
    await publish(
      {
        kind: "agent.state_changed",
        org_id: ORG,
        agent_id: "a1",
        state: "paused",
        previous_state: "wrap_up",
        previous_state_s: 5,
        pause_reason: "lunch",
      },
      80,
    );
    await until(
      () => readLiveAgent(redis, ORG, "a1"),
      (a) => a?.state === "paused",
    );
    await publish(
      {
        kind: "agent.state_changed",
        org_id: ORG,
        agent_id: "a1",
        state: "ready",
        previous_state: "paused",
        previous_state_s: 1,
      },
      79,
    );
    // A marker event after the stale one: once it is applied, the stale one was processed too.
    await publish(
      { kind: "agent.skills_changed", org_id: ORG, agent_id: "a1", skills: [{ skill: "vip", level: 3 }] },
      81,
    );
    const a = await until(
      () => readLiveAgent(redis, ORG, "a1"),
      (x) => x?.skills[0]?.skill === "vip",
    );
    expect(a).toMatchObject({ state: "paused", pauseReason: "lunch" });
  });

  it("filters agents and calls by scope and keeps the latest pacing decision", async () => {
    await publish({ kind: "agent.login", org_id: ORG, agent_id: "b1", team_id: "t2", skills: [] }, 1);
    await until(
      () => readLiveAgents(redis, { orgId: ORG }),
      (l) => l.length === 2,
    );
    expect((await readLiveAgents(redis, { orgId: ORG, teamIds: ["t2"] })).map((a) => a.agentId)).toEqual([
      "b1",
    ]);
    expect((await readLiveAgents(redis, { orgId: ORG, agentIds: ["a1"] })).map((a) => a.agentId)).toEqual([
      "a1",
    ]);
    expect(await readLiveAgents(redis, { orgId: ORG, agentIds: [] })).toEqual([]);
    expect(await readLiveAgents(redis, { orgId: "other" })).toEqual([]);

    const base = {
      kind: "pacing.decision",
      org_id: ORG,
      campaign_id: "spring",
      mode: "predictive",
      algorithm: "test",
      agents_logged_in: 2,
      agents_ready: 1,
      attempts_in_flight: 0,
      expected_agents_free: 1,
      expected_live_answers: 0.5,
      predicted_abandon_probability: 0.01,
      abandon_budget_left: 3,
      explanation: { why: "x" },
    } as const;
    await publish({ ...base, decision_id: "d2", launch: 4 }, 90);
    await publish({ ...base, decision_id: "d1", launch: 2 }, 85);
    await publish({ kind: "agent.logout", org_id: ORG, agent_id: "b1" }, 91);
    await until(
      () => readLiveAgents(redis, { orgId: ORG }),
      (l) => l.length === 1,
    );
    const p = await until(
      () => readLatestPacing(redis, { orgId: ORG }),
      (x) => x.spring !== undefined,
    );
    expect(p.spring?.decision_id).toBe("d2");
    expect(await readLatestPacing(redis, { orgId: ORG, campaignIds: [] })).toEqual({});
    expect(await redis.sIsMember(liveKeys.agents(ORG), "b1")).toBe(0);
  });

  it("a restarted projector resumes its durable consumers without replaying into a wrong state", async () => {
    await projector.stop();
    await publish(
      {
        kind: "agent.state_changed",
        org_id: ORG,
        agent_id: "a1",
        state: "ready",
        previous_state: "paused",
        previous_state_s: 20,
      },
      100,
    );
    projector = await startLiveStateProjector({ nats: nc, redis });
    const a = await until(
      () => readLiveAgent(redis, ORG, "a1"),
      (x) => x?.state === "ready",
    );
    expect(a?.since).toBe(Date.parse(at(100)));
    expect(projector.stats().invalid).toBe(0);
  });
});
