// The projector as its own process: health and metrics on its port (metrics behind the key), an
// agent's login lands in Redis, SIGTERM exits 0, and a restart resumes from its durable consumers.
import path from "node:path";
import {
  freePort,
  type ManagedProcess,
  type NatsServer,
  type RedisServer,
  repoRoot,
  spawnManaged,
  startNats,
  startRedis,
} from "@cc/infra";
import { connectNats, ensureStreams, makeEvent, publishEvent } from "@cc/ingest";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { liveKeys } from "./keys.ts";

const KEY = "projector-test-metrics-key";
let nats: NatsServer;
let redisServer: RedisServer;
let nc: NatsConnection;
let redis: ReturnType<typeof createClient>;
let port = 0;
let projector: ManagedProcess | undefined;

const startProjector = () =>
  spawnManaged({
    name: "projector",
    command: process.execPath,
    args: [path.join(repoRoot, "analytics/src/live-state/main.ts")],
    env: {
      ...process.env,
      NATS_URL: nats.url,
      REDIS_URL: redisServer.url,
      PROJECTOR_HTTP_PORT: String(port),
      METRICS_API_KEY: KEY,
      LOG_LEVEL: "warn",
    },
    ready: async () => (await fetch(`http://127.0.0.1:${port}/health`)).ok,
  });

const login = (agent: string) =>
  publishEvent(
    jetstream(nc),
    makeEvent({
      kind: "agent.login",
      org_id: "acme",
      agent_id: agent,
      team_id: "t1",
      campaign_id: "spring",
      skills: [{ skill: "sales", level: 3 }],
    }),
  );

async function until(probe: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  [nats, redisServer] = await Promise.all([startNats(), startRedis()]);
  nc = await connectNats(nats.url);
  await ensureStreams(await jetstreamManager(nc));
  redis = createClient({ url: redisServer.url });
  await redis.connect();
  port = await freePort();
});

afterAll(async () => {
  await projector?.stop();
  await redis?.quit();
  await nc?.close();
  await redisServer?.stop();
  await nats?.stop();
});

describe("projector service (analytics/src/live-state/main.ts)", () => {
  it("projects events into Redis, serves health and keyed metrics, stops on SIGTERM", async () => {
    projector = await startProjector();
    const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ ok: true, nats: true, redis: true });
    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(401);

    await login("a1");
    await until(async () => (await redis.sIsMember(liveKeys.agents("acme"), "a1")) === 1);
    const metrics = await fetch(`http://127.0.0.1:${port}/metrics`, {
      headers: { authorization: `Bearer ${KEY}` },
    });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/live_state_events_applied_total [1-9]/);

    projector.kill("SIGTERM");
    expect(await projector.exited).toBe(0);
  }, 60_000);

  it("resumes after a restart: an event published while it was down is applied", async () => {
    await login("a2");
    projector = await startProjector();
    await until(async () => (await redis.sIsMember(liveKeys.agents("acme"), "a2")) === 1);
    projector.kill("SIGTERM");
    expect(await projector.exited).toBe(0);
  }, 60_000);
});
