// Customers service process: the release scheduler and the outbox relay (see store/service.ts),
// env config (zod), /health, /metrics (API key), pino logs, clean stop on SIGTERM/SIGINT.
import {
  ApiKeyRing,
  connectNats,
  ensureStreams,
  jetStreamFor,
  parseEnv,
  publishEvent,
  runService,
  startOpsServer,
} from "@cc/ingest";
import client from "prom-client";
import { createClient } from "redis";
import { z } from "zod";
import type { Redis } from "./store/redis.ts";
import { startCustomersLoops } from "./store/service.ts";
import { CustomerStore } from "./store/store.ts";

const Env = z.object({
  NATS_URL: z.string().min(1),
  REDIS_URL: z.string().min(1),
  CC_ORG_ID: z.string().min(1).default("demo"),
  CUSTOMERS_HTTP_PORT: z.coerce.number().int().min(1).max(65_535).default(9469),
  /** How often the scheduler looks for holds due (ms): a release is at most this late. */
  CUSTOMERS_RELEASE_EVERY_MS: z.coerce.number().int().min(100).max(60_000).default(1_000),
  /** Bearer key for /metrics. */
  METRICS_API_KEY: z.string().min(16).optional(),
});

await runService({
  name: "customers",
  loadConfig: () => parseEnv(Env),
  start: async (env, log) => {
    const registry = new client.Registry();
    client.collectDefaultMetrics({ register: registry });
    const released = new client.Counter({
      name: "customers_holds_released_total",
      help: "Holds returned to the public pool at their 10:00 release",
      registers: [registry],
    });
    const reminded = new client.Counter({
      name: "customers_hold_reminders_total",
      help: "Day-before reminders of expiring holds",
      registers: [registry],
    });
    const relayed = new client.Counter({
      name: "customers_events_relayed_total",
      help: "customer.* events relayed from the Redis outbox to JetStream",
      registers: [registry],
    });
    const nc = await connectNats(env.NATS_URL, { name: "customers" });
    const { js, jsm } = await jetStreamFor(nc);
    await ensureStreams(jsm);
    const redis = createClient({ url: env.REDIS_URL }) as unknown as Redis;
    let redisDown = false;
    redis.on("error", (err: Error) => {
      if (!redisDown) log.warn({ err: err.message }, "redis unavailable; reconnecting");
      redisDown = true;
    });
    redis.on("ready", () => {
      if (redisDown) log.info("redis back");
      redisDown = false;
    });
    await redis.connect();
    const store = new CustomerStore({ redis });
    const loops = startCustomersLoops({
      store,
      log,
      releaseEveryMs: env.CUSTOMERS_RELEASE_EVERY_MS,
      publish: async (e) => {
        await publishEvent(js, e);
      },
      onReleased: (r, m) => {
        released.inc(r);
        reminded.inc(m);
      },
      onRelayed: (n) => relayed.inc(n),
    });
    const backlog = new client.Gauge({
      name: "customers_outbox_backlog",
      help: "Events waiting in the Redis outbox",
      registers: [registry],
      collect: async function () {
        this.set(await loops.outboxBacklog());
      },
    });
    void backlog;
    const ops = await startOpsServer({
      host: "127.0.0.1",
      port: env.CUSTOMERS_HTTP_PORT,
      registry,
      keys: new ApiKeyRing(
        env.METRICS_API_KEY ? [{ key: env.METRICS_API_KEY, org_id: env.CC_ORG_ID, name: "metrics" }] : [],
      ),
      health: async () => {
        const s = loops.status();
        return {
          ok: !nc.isClosed() && !redisDown,
          outbox_backlog: await loops.outboxBacklog(),
          last_release_pass: s.lastReleaseAt ? new Date(s.lastReleaseAt).toISOString() : null,
          next_hold_end: s.nextDueAt ? new Date(s.nextDueAt).toISOString() : null,
        };
      },
    });
    log.info({ port: ops.port }, "customers service up");
    return {
      stop: async () => {
        await ops.close();
        await loops.stop();
        await nc.drain();
        await redis.quit();
      },
    };
  },
});
