// Pacing service process: env config (zod), NATS + Redis (+ ClickHouse when configured),
// /health, /metrics (API key), clean stop on SIGTERM/SIGINT.
import { createClickHouse, type LiveRedis } from "@cc/analytics";
import { ApiKeyRing, connectNats, runService, startOpsServer } from "@cc/ingest";
import client from "prom-client";
import { createClient } from "redis";
import { z } from "zod";
import { DEFAULT_CAMPAIGN } from "../core/types.ts";
import { startPacingService } from "./service.ts";

const CampaignIds = z.array(
  z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "campaign ids are 1–64 of [A-Za-z0-9_-]"),
);
const Env = z.object({
  NATS_URL: z.string().min(1),
  REDIS_URL: z.string().min(1),
  CLICKHOUSE_URL: z.url().optional(),
  CLICKHOUSE_USER: z.string().optional(),
  CLICKHOUSE_PASSWORD: z.string().optional(),
  CC_ORG_ID: z.string().min(1).default("demo"),
  /** JSON array of campaign ids to pace. */
  PACING_CAMPAIGNS: z
    .string()
    .default("[]")
    .transform((s, ctx) => {
      try {
        return CampaignIds.parse(JSON.parse(s));
      } catch {
        ctx.addIssue({ code: "custom", message: 'must be a JSON array of campaign ids, e.g. ["spring"]' });
        return z.NEVER;
      }
    }),
  PACING_HTTP_PORT: z.coerce.number().int().min(1).max(65_535).default(9465),
  /** Bearer key for /metrics. */
  METRICS_API_KEY: z.string().min(16).optional(),
});

await runService({
  name: "pacing",
  loadConfig: () => {
    const r = Env.safeParse(process.env);
    if (!r.success) {
      throw new Error(
        `bad configuration: ${r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
      );
    }
    return r.data;
  },
  start: async (env, log) => {
    const registry = new client.Registry();
    client.collectDefaultMetrics({ register: registry });
    const latency = new client.Histogram({
      name: "pacing_event_to_decision_ms",
      help: "Event receipt to published decision, milliseconds",
      buckets: [1, 2, 5, 10, 20, 50, 100, 250, 1000],
      registers: [registry],
    });
    const launched = new client.Counter({
      name: "pacing_calls_launched_total",
      help: "Calls commanded",
      labelNames: ["campaign"],
      registers: [registry],
    });

    const nc = await connectNats(env.NATS_URL, { name: "pacing" });
    const redis = createClient({ url: env.REDIS_URL }) as unknown as LiveRedis;
    await redis.connect();
    const clickhouse = env.CLICKHOUSE_URL
      ? createClickHouse({
          url: env.CLICKHOUSE_URL,
          username: env.CLICKHOUSE_USER ?? "default",
          password: env.CLICKHOUSE_PASSWORD ?? "",
          application: "pacing",
        })
      : undefined;

    const svc = startPacingService({
      nats: nc,
      redis,
      ...(clickhouse ? { clickhouse } : {}),
      orgId: env.CC_ORG_ID,
      campaigns: env.PACING_CAMPAIGNS.map((campaignId) => ({ ...DEFAULT_CAMPAIGN, campaignId })),
      logger: log,
      onDecision: (e, ms) => {
        latency.observe(ms);
        if (e.kind === "pacing.decision") launched.inc({ campaign: e.campaign_id }, e.launch);
      },
    });
    const ops = await startOpsServer({
      host: "127.0.0.1",
      port: env.PACING_HTTP_PORT,
      registry,
      keys: new ApiKeyRing(
        env.METRICS_API_KEY ? [{ key: env.METRICS_API_KEY, org_id: env.CC_ORG_ID, name: "metrics" }] : [],
      ),
      health: async () => ({ ok: !nc.isClosed(), campaigns: env.PACING_CAMPAIGNS, p99_ms: svc.p99() }),
    });
    log.info({ port: env.PACING_HTTP_PORT, campaigns: env.PACING_CAMPAIGNS }, "pacing service up");
    return {
      stop: async () => {
        await ops.close();
        await svc.stop();
        await nc.drain();
        await redis.quit();
        await clickhouse?.close();
      },
    };
  },
});
