// Live-state projector process: `node analytics/src/live-state/main.ts`. Events from NATS into
// the live picture in Redis (what pacing, the wallboard and the console read), /health, /metrics
// (API key), clean stop on SIGTERM/SIGINT. Its own process so pacing never depends on the UI.
import { ApiKeyRing, connectNats, runService, startOpsServer } from "@cc/ingest";
import client from "prom-client";
import { createClient } from "redis";
import { z } from "zod";
import { type LiveRedis, startLiveStateProjector } from "./projector.ts";

const ProjectorEnv = z.object({
  NATS_URL: z.string().min(1).default("nats://127.0.0.1:4222"),
  REDIS_URL: z.string().min(1).default("redis://127.0.0.1:6379"),
  CC_ORG_ID: z.string().min(1).default("demo"),
  /** 0 picks a free port (tests). */
  PROJECTOR_HTTP_PORT: z.coerce.number().int().min(0).max(65_535).default(9468),
  PROJECTOR_HTTP_HOST: z.string().default("127.0.0.1"),
  /** Durable consumer names start with this; the dashboard's in-process projector uses the same. */
  PROJECTOR_DURABLE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default("live-state"),
  /** On first start, replay this much history to rebuild an empty Redis. */
  PROJECTOR_LOOKBACK_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(12 * 3_600_000),
  /** Bearer key for /metrics. */
  METRICS_API_KEY: z.string().min(16).optional(),
});
type ProjectorConfig = z.infer<typeof ProjectorEnv>;

function loadConfig(): ProjectorConfig {
  const r = ProjectorEnv.safeParse(process.env);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new Error(`invalid projector configuration: ${lines.join("; ")}`);
  }
  return r.data;
}

/** Counters read from the projector at scrape time (it counts; prom-client only reports). */
function projectorMetrics(stats: () => { applied: number; invalid: number }) {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  new client.Counter({
    name: "live_state_events_applied_total",
    help: "Events written to the live state in Redis (stale ones included)",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(stats().applied);
    },
  });
  new client.Counter({
    name: "live_state_events_invalid_total",
    help: "Events skipped because they failed validation (the sink dead-letters them)",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(stats().invalid);
    },
  });
  return registry;
}

await runService({
  name: "projector",
  loadConfig,
  start: async (env, log) => {
    const nc = await connectNats(env.NATS_URL, { name: "cc-projector" });
    const redis = createClient({ url: env.REDIS_URL }) as unknown as LiveRedis;
    redis.on("error", (err: Error) => log.warn({ err: err.message }, "redis connection error"));
    await redis.connect();
    const projector = await startLiveStateProjector({
      nats: nc,
      redis,
      durablePrefix: env.PROJECTOR_DURABLE_PREFIX,
      lookbackMs: env.PROJECTOR_LOOKBACK_MS,
      log,
    });
    const ops = await startOpsServer({
      host: env.PROJECTOR_HTTP_HOST,
      port: env.PROJECTOR_HTTP_PORT,
      registry: projectorMetrics(() => projector.stats()),
      keys: new ApiKeyRing(
        env.METRICS_API_KEY ? [{ key: env.METRICS_API_KEY, org_id: env.CC_ORG_ID, name: "metrics" }] : [],
      ),
      health: async () => ({
        ok: !nc.isClosed() && redis.isReady,
        nats: !nc.isClosed(),
        redis: redis.isReady,
        ...projector.stats(),
      }),
    });
    log.info({ port: ops.port, prefix: env.PROJECTOR_DURABLE_PREFIX }, "live-state projector up");
    return {
      stop: async () => {
        await ops.close();
        await projector.stop();
        await nc.drain();
        await redis.quit();
      },
    };
  },
});
