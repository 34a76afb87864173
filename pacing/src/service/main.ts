// Pacing service process: env config (zod), NATS + Redis (+ ClickHouse when configured), /health,
// /metrics (API key), SIGTERM.
import http from "node:http";
import { createClickHouse, type LiveRedis } from "@cc/analytics";
import { connect } from "@nats-io/transport-node";
import { pino } from "pino";
import client from "prom-client";
import { createClient } from "redis";
import { z } from "zod";
import { DEFAULT_CAMPAIGN } from "../core/types.ts";
import { startPacingService } from "./service.ts";

const Env = z.object({
  NATS_URL: z.string().min(1),
  REDIS_URL: z.string().min(1),
  CLICKHOUSE_URL: z.string().url().optional(),
  CLICKHOUSE_USER: z.string().optional(),
  CLICKHOUSE_PASSWORD: z.string().optional(),
  CC_ORG_ID: z.string().min(1).default("demo"),
  PACING_CAMPAIGNS: z.string().default('["demo-campaign"]'),
  PACING_HTTP_PORT: z.coerce.number().int().min(1).max(65_535).default(8094),
  PACING_API_KEY: z.string().min(16),
});

const log = pino({ name: "pacing" });
const parsed = Env.safeParse(process.env);
if (!parsed.success) {
  log.error(
    { issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })) },
    "bad configuration",
  );
  process.exit(2);
}
const env = parsed.data;
const campaigns = z.array(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/)).parse(JSON.parse(env.PACING_CAMPAIGNS));

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

const nc = await connect({ servers: env.NATS_URL, name: "pacing" });
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
  campaigns: campaigns.map((campaignId) => ({ ...DEFAULT_CAMPAIGN, campaignId })),
  logger: log,
  onDecision: (e, ms) => {
    latency.observe(ms);
    if (e.kind === "pacing.decision") launched.inc({ campaign: e.campaign_id }, e.launch);
  },
});

const server = http.createServer(async (req, res) => {
  if (req.url === "/health") {
    res
      .writeHead(200, { "content-type": "application/json" })
      .end(JSON.stringify({ ok: !nc.isClosed(), p99_ms: svc.p99() }));
    return;
  }
  if (req.headers.authorization !== `Bearer ${env.PACING_API_KEY}`) {
    res
      .writeHead(401, { "content-type": "application/json" })
      .end(JSON.stringify({ error: "missing or bad API key" }));
    return;
  }
  if (req.url === "/metrics") {
    res.writeHead(200, { "content-type": registry.contentType }).end(await registry.metrics());
    return;
  }
  res.writeHead(404).end();
});
server.listen(env.PACING_HTTP_PORT, "127.0.0.1", () =>
  log.info({ port: env.PACING_HTTP_PORT, campaigns }, "pacing service up"),
);

process.once("SIGTERM", async () => {
  log.info("SIGTERM: stopping");
  server.close();
  await svc.stop();
  await nc.drain();
  await redis.quit();
  process.exit(0);
});
