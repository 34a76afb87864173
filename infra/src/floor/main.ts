// The simulated floor under `npm start`: simulated agents (SIP phones on their own drachtio-server,
// calling into the media service; people signing in to the console, going ready, talking,
// wrapping up and dispositioning through it) and a stream of fresh leads for the demo campaign.
// Everything else — pacing, dialing, the carrier's answers, analysis — is the real product.
import { ApiKeyRing, connectNats, jetStreamFor, runService, startOpsServer } from "@cc/ingest";
import { agentSipCredentials } from "@cc/media";
import { concat, PhoneSwitch, silence, speak, toInt16 } from "@cc/media/testing";
import { listKeys } from "@cc/pacing";
import { Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";
import { createClient } from "redis";
import { z } from "zod";
import { startDrachtio } from "../launchers/drachtio.ts";
import { ConsoleClient } from "./console-client.ts";
import { LeadFeeder } from "./lead-feeder.ts";
import { SimAgent } from "./sim-agent.ts";

const Id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
const json = <T extends z.ZodType>(schema: T, example: string) =>
  z.string().transform((s, ctx): z.infer<T> => {
    try {
      return schema.parse(JSON.parse(s));
    } catch {
      ctx.addIssue({ code: "custom", message: `must be JSON like ${example}` });
      return z.NEVER;
    }
  });

const Env = z.object({
  NATS_URL: z.string().min(1),
  REDIS_URL: z.string().min(1),
  CC_ORG_ID: Id,
  FLOOR_HTTP_PORT: z.coerce.number().int().min(1).max(65_535),
  FLOOR_CAMPAIGN: Id.default("demo-campaign"),
  FLOOR_AGENTS: json(
    z.array(z.object({ username: z.string().min(2), agent_id: Id })).min(1),
    '[{"username":"demo-agent-01","agent_id":"sim-agent-01"}]',
  ),
  FLOOR_AGENT_PASSWORD: z.string().min(10),
  DASHBOARD_URL: z.url(),
  MEDIA_SIP_URI: z.string().regex(/^sip:/),
  MEDIA_SIP_SECRET: z.string().min(16),
  /** Carrier behaviour → numbers the simulated carrier answers that way. */
  FLOOR_CARRIER_NUMBERS: json(
    z.record(z.string(), z.array(z.string().regex(/^\+\d{8,15}$/)).min(1)),
    '{"human_zh":["+861990001000"]}',
  ),
  /** Leads kept waiting per agent (the list is topped up to this). */
  FLOOR_LEADS_PER_AGENT: z.coerce.number().int().min(1).max(1_000).default(15),
  METRICS_API_KEY: z.string().min(16).optional(),
});

/** How often each carrier behaviour answers the demo campaign (behaviours the carrier lacks are skipped). */
const MIX: Record<string, number> = {
  human_zh: 0.24,
  human_en: 0.08,
  machine: 0.15,
  busy: 0.07,
  no_answer: 0.14,
  sit: 0.04,
  invalid_number: 0.05,
  powered_off: 0.06,
  suspended: 0.03,
  out_of_service_area: 0.04,
  fax: 0.02,
};

await runService({
  name: "floor",
  loadConfig: () => Env.parse(process.env),
  start: async (env, log) => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const leadsFed = new Counter({
      name: "floor_leads_fed_total",
      help: "Leads published",
      registers: [registry],
    });
    const nc = await connectNats(env.NATS_URL, { name: "floor" });
    const { js } = await jetStreamFor(nc);
    const redis = createClient({ url: env.REDIS_URL });
    // redis-server is supervised too: log its loss once and let the client reconnect on its own.
    let redisDown = false;
    redis.on("error", (err: Error) => {
      if (!redisDown) log.warn({ err: err.message }, "redis unavailable; reconnecting");
      redisDown = true;
    });
    redis.on("ready", () => {
      redisDown = false;
    });
    await redis.connect();

    const phonesSwitch = await startDrachtio({ logLevel: "warning" });
    const phones = await PhoneSwitch.connect(phonesSwitch);
    const voice = toInt16(
      concat(
        speak({ text: "您好，我是客服小王，请问您现在方便说话吗？", voice: "cmn", speed: 165, pitch: 55 }),
        silence(1_500),
      ),
    );
    const agents = await Promise.all(
      env.FLOOR_AGENTS.map(async (a, i) => {
        const console = new ConsoleClient(env.DASHBOARD_URL);
        await console.signIn(a.username, env.FLOOR_AGENT_PASSWORD);
        const agent = new SimAgent({
          agentId: a.agent_id,
          orgId: env.CC_ORG_ID,
          console,
          phones,
          mediaSipUri: env.MEDIA_SIP_URI,
          sipCredentials: agentSipCredentials(env.MEDIA_SIP_SECRET, env.CC_ORG_ID, a.agent_id),
          nc,
          voice,
          seed: `floor-${i}`,
          log,
        });
        await agent.start();
        return agent;
      }),
    );

    const mix = Object.fromEntries(Object.entries(MIX).filter(([b]) => env.FLOOR_CARRIER_NUMBERS[b]));
    const feeder = new LeadFeeder({
      js,
      orgId: env.CC_ORG_ID,
      campaignId: env.FLOOR_CAMPAIGN,
      mix,
      numberFor: (b, n) => {
        const numbers = env.FLOOR_CARRIER_NUMBERS[b]!;
        return numbers[n % numbers.length]!;
      },
      seed: "floor",
    });
    // Leads due now (scores are due times): retries and call-backs set for later must not count,
    // or the list looks full while pacing has nothing to dial.
    const waiting = async () => {
      const now = String(Date.now());
      const counts = await Promise.all(
        (["callbacks", "fresh", "recycled"] as const).map((q) =>
          redis.zCount(listKeys.queue(env.CC_ORG_ID, env.FLOOR_CAMPAIGN, q), "-inf", now),
        ),
      );
      return counts.reduce((a, b) => a + b, 0);
    };
    const target = env.FLOOR_AGENTS.length * env.FLOOR_LEADS_PER_AGENT;
    const topUp = async () => {
      const missing = target - (await waiting());
      if (missing <= 0) return;
      await feeder.feed(missing);
      leadsFed.inc(missing);
    };
    const feeding = setInterval(
      () => void topUp().catch((err) => log.warn({ err }, "lead feed failed")),
      5_000,
    );
    await topUp();
    new Gauge({
      name: "floor_agents",
      help: "Simulated agents",
      registers: [registry],
      collect() {
        this.set(agents.length);
      },
    });
    const ops = await startOpsServer({
      host: "127.0.0.1",
      port: env.FLOOR_HTTP_PORT,
      registry,
      keys: new ApiKeyRing(
        env.METRICS_API_KEY ? [{ key: env.METRICS_API_KEY, org_id: env.CC_ORG_ID, name: "metrics" }] : [],
      ),
      health: async () => ({ ok: !nc.isClosed(), agents: agents.length, leads_waiting: await waiting() }),
    });
    log.info({ agents: agents.length, campaign: env.FLOOR_CAMPAIGN, mix }, "simulated floor working");
    return {
      stop: async () => {
        clearInterval(feeding);
        await ops.close();
        await Promise.allSettled(agents.map((a) => a.stop()));
        phones.close();
        await phonesSwitch.stop();
        await nc.drain();
        await redis.quit();
      },
    };
  },
});
