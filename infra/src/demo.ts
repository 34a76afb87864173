// The simulated campaign under `npm start`: simulated telephony and agents in real time, the real
// pacing decision core, and every event published to JetStream like any other producer's.
import {
  ApiKeyRing,
  type CallCenterEvent,
  connectNats,
  ensureStreams,
  jetStreamFor,
  publishEvent,
  runService,
  startOpsServer,
} from "@cc/ingest";
import { startDemoCampaign } from "@cc/pacing";
import { Counter, collectDefaultMetrics, Registry } from "prom-client";
import { z } from "zod";

const Id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
const Env = z.object({
  NATS_URL: z.string().min(1),
  CC_ORG_ID: Id,
  DEMO_CAMPAIGN_ID: Id.default("demo-campaign"),
  DEMO_AGENTS: z.coerce.number().int().min(1).max(500).default(12),
  DEMO_SPEED: z.coerce.number().min(0.1).max(100).default(1),
  DEMO_HTTP_PORT: z.coerce.number().int().min(1).max(65_535),
  METRICS_API_KEY: z.string().min(16).optional(),
});

await runService({
  name: "demo-campaign",
  loadConfig: () => Env.parse(process.env),
  start: async (env, log) => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const published = new Counter({
      name: "demo_events_published_total",
      help: "Events the simulated campaign published",
      labelNames: ["kind"],
      registers: [registry],
    });
    const failed = new Counter({
      name: "demo_publish_failures_total",
      help: "Publish attempts that failed (retried with the same event id)",
      registers: [registry],
    });
    const nc = await connectNats(env.NATS_URL, { name: "demo-campaign" });
    const { js, jsm } = await jetStreamFor(nc);
    await ensureStreams(jsm);

    // A failed publish is retried with the same event id; JetStream's duplicate window makes that safe.
    const publish = async (e: CallCenterEvent): Promise<void> => {
      for (let attempt = 0; ; attempt++) {
        try {
          await publishEvent(js, e);
          published.inc({ kind: e.kind });
          return;
        } catch (err) {
          failed.inc();
          if (attempt >= 5) throw err;
          await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
        }
      }
    };
    const demo = startDemoCampaign({
      publish,
      orgId: env.CC_ORG_ID,
      campaignId: env.DEMO_CAMPAIGN_ID,
      agents: env.DEMO_AGENTS,
      speed: env.DEMO_SPEED,
      onError: (err) => log.error({ err }, "publish failed"),
    });
    const metricsKeys = env.METRICS_API_KEY
      ? [{ key: env.METRICS_API_KEY, org_id: env.CC_ORG_ID, name: "metrics" }]
      : [];
    const ops = await startOpsServer({
      host: "127.0.0.1",
      port: env.DEMO_HTTP_PORT,
      registry,
      keys: new ApiKeyRing(metricsKeys),
      health: async () => ({ ok: !nc.isClosed(), nats: nc.isClosed() ? "closed" : "connected" }),
    });
    log.info(
      { campaign: env.DEMO_CAMPAIGN_ID, agents: env.DEMO_AGENTS, speed: env.DEMO_SPEED },
      "simulated campaign running",
    );
    return {
      stop: async () => {
        demo.stop();
        await ops.close();
        await nc.drain();
      },
    };
  },
});
