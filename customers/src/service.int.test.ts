// The customers service process under the stack's identities: the dashboard (its Redis ACL
// user) writes through the store's scripts, the service (its own NATS and Redis users) releases
// an expired hold at its instant and relays every event from the outbox to JetStream.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import {
  freePort,
  IDENTITIES,
  type IdentityPasswords,
  natsUsers,
  redisUsers,
  repoRoot,
  startNats,
  startRedis,
} from "@cc/infra";
import { type CallCenterEvent, connectNats, ensureStreams, jetStreamFor } from "@cc/ingest";
import type { NatsConnection } from "@nats-io/transport-node";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "./records/types.ts";
import type { Redis } from "./store/redis.ts";
import { CustomerStore } from "./store/store.ts";

const ORG = "demo";
const pw = (): IdentityPasswords =>
  Object.fromEntries(
    IDENTITIES.map((id) => [id, randomBytes(18).toString("base64url")]),
  ) as IdentityPasswords;
const natsPw = pw();
const redisPw = pw();

let nats: Awaited<ReturnType<typeof startNats>>;
let redisServer: Awaited<ReturnType<typeof startRedis>>;
let dashboard: Redis;
let watcher: NatsConnection;
let child: ChildProcess | undefined;

beforeAll(async () => {
  nats = await startNats({ users: natsUsers(natsPw, { orgId: ORG }) });
  redisServer = await startRedis({ users: redisUsers(redisPw) });
  const stack = await connectNats(nats.urlFor("stack"), { name: "test-stack" });
  await ensureStreams((await jetStreamFor(stack)).jsm);
  await stack.drain();
  dashboard = createClient({ url: redisServer.urlFor("dashboard") }) as unknown as Redis;
  await dashboard.connect();
  // pacing may hear every event of its org: it stands in for the sink here.
  watcher = await connectNats(nats.urlFor("pacing"), { name: "test-watcher" });
});

afterAll(async () => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  await watcher?.drain();
  await dashboard?.quit();
  await redisServer?.stop();
  await nats?.stop();
});

describe("customers service", () => {
  it("releases an expired hold, relays every event to JetStream, answers /health, stops on SIGTERM", async () => {
    const seen: CallCenterEvent[] = [];
    const sub = watcher.subscribe(`cc.events.${ORG}.customer.>`);
    (async () => {
      for await (const m of sub) seen.push(m.json() as CallCenterEvent);
    })();
    // The dashboard's user runs the scripts (cc:cust:* grant); the claim is 16 days in the past.
    const past = { now: Date.now() - 16 * 86_400_000 };
    const store = new CustomerStore({ redis: dashboard, clock: () => past.now });
    const a: Actor = { userId: "u1", agentId: "a1", role: "agent", teamIds: ["t1"], orgId: ORG };
    const created = await store.createCustomer(a, {
      name: "张伟",
      company: "杭州华为技术有限公司",
      phones: ["13900000001"],
    });
    expect(created).toMatchObject({ ok: true });
    if (!created.ok) return;
    expect(created.customer.heldUntil).toBeLessThan(Date.now());

    const port = await freePort();
    child = spawn(process.execPath, [path.join(repoRoot, "customers/src/main.ts")], {
      env: {
        ...process.env,
        NATS_URL: nats.urlFor("customers"),
        REDIS_URL: redisServer.urlFor("customers"),
        CC_ORG_ID: ORG,
        CUSTOMERS_HTTP_PORT: String(port),
        CUSTOMERS_RELEASE_EVERY_MS: "200",
        LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "inherit", "inherit"],
    });
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && !seen.some((e) => e.kind === "customer.released")) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(seen.map((e) => e.kind)).toEqual([
      "customer.created",
      "customer.claimed",
      "customer.hold_expiring",
      "customer.released",
    ]);
    const got = await store.getCustomer(a, created.customer.id);
    expect(got.ok && got.customer.ownerId).toBeUndefined();

    const health = await fetch(`http://127.0.0.1:${port}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, outbox_backlog: 0 });
    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(401);

    const exited = new Promise<number | null>((r) => child?.once("exit", (code) => r(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});
