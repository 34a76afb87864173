// Pacing service process: env config (zod), NATS + Redis (+ ClickHouse when configured), a
// dialing list per campaign, dial commands on JetStream for the media service, /health,
// /metrics (API key), clean stop on SIGTERM/SIGINT.
import { createClickHouse, type LiveRedis, liveKeys } from "@cc/analytics";
import {
  ApiKeyRing,
  type CallCenterEvent,
  connectNats,
  ensureStreams,
  jetStreamFor,
  makeEvent,
  parseEnv,
  publishEvent,
  runService,
  startOpsServer,
} from "@cc/ingest";
import client from "prom-client";
import { createClient } from "redis";
import { z } from "zod";
import { type CampaignConfig, parseCampaigns, settingsOf } from "../campaigns.ts";
import { RedisDialingList, type TakeResult } from "../lists/dialing-list.ts";
import { listLauncher, takeFacts } from "./launcher.ts";
import { leadsDurableFor, startLeadIntake } from "./lead-intake.ts";
import { ListOutcomes } from "./list-outcomes.ts";
import { addLead, SpeedToLead } from "./real-time-leads.ts";
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
  /** The campaigns (JSON list of pacing's CampaignConfig), shared with the media service. */
  CC_CAMPAIGNS: z
    .string()
    .default("[]")
    .transform((s, ctx) => {
      try {
        return parseCampaigns(s);
      } catch (err) {
        ctx.addIssue({ code: "custom", message: (err as Error).message });
        return z.NEVER;
      }
    }),
  /** JSON array of the campaign ids this instance paces (default: every campaign in CC_CAMPAIGNS). */
  PACING_CAMPAIGNS: z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (s === undefined) return undefined;
      try {
        return CampaignIds.parse(JSON.parse(s));
      } catch {
        ctx.addIssue({ code: "custom", message: 'must be a JSON array of campaign ids, e.g. ["spring"]' });
        return z.NEVER;
      }
    }),
  /** The durable lead consumer; instances pacing different campaigns each need their own. */
  PACING_LEADS_DURABLE: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,128}$/)
    .optional(),
  /** How far back a newly created lead consumer starts in the events stream. */
  PACING_LEADS_LOOKBACK_MS: z.coerce.number().int().min(0).default(86_400_000),
  PACING_HTTP_PORT: z.coerce.number().int().min(1).max(65_535).default(9465),
  /** Bearer key for /metrics. */
  METRICS_API_KEY: z.string().min(16).optional(),
});

await runService({
  name: "pacing",
  loadConfig: () => parseEnv(Env),
  start: async (env, log) => {
    const registry = new client.Registry();
    client.collectDefaultMetrics({ register: registry });
    const latency = new client.Histogram({
      name: "pacing_event_to_decision_ms",
      help: "Event receipt to published decision, milliseconds",
      buckets: [1, 2, 5, 10, 20, 50, 100, 250, 1000],
      registers: [registry],
    });
    const leadsAdded = new client.Counter({
      name: "pacing_leads_added_total",
      help: "Leads added to a dialing list from lead.created events",
      labelNames: ["campaign"],
      registers: [registry],
    });
    const launched = new client.Counter({
      name: "pacing_calls_launched_total",
      help: "Calls commanded",
      labelNames: ["campaign"],
      registers: [registry],
    });

    const speedToLead = new client.Histogram({
      name: "pacing_speed_to_lead_ms",
      help: "Real-time lead received (lead.created) to its first INVITE sent (call.dialing), milliseconds",
      labelNames: ["campaign"],
      buckets: [250, 500, 1000, 2000, 3000, 5000, 10_000, 20_000, 30_000, 60_000, 300_000],
      registers: [registry],
    });
    const speed = new SpeedToLead((ms, campaign) => speedToLead.observe({ campaign }, ms));

    const nc = await connectNats(env.NATS_URL, { name: "pacing" });
    const { js, jsm } = await jetStreamFor(nc);
    await ensureStreams(jsm);
    const redis = createClient({ url: env.REDIS_URL }) as unknown as LiveRedis;
    // Without a listener an error (redis-server restarting) would crash the process; the client
    // reconnects on its own, and decisions fail and are retried on the next tick meanwhile.
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
    const clickhouse = env.CLICKHOUSE_URL
      ? createClickHouse({
          url: env.CLICKHOUSE_URL,
          username: env.CLICKHOUSE_USER ?? "default",
          password: env.CLICKHOUSE_PASSWORD ?? "",
          application: "pacing",
        })
      : undefined;
    const paced = pacedCampaigns(env.CC_CAMPAIGNS, env.PACING_CAMPAIGNS);
    const lists = new Map(
      paced.map((c) => [c.id, RedisDialingList.forCampaign(redis as never, env.CC_ORG_ID, c)]),
    );
    const refusals = new client.Counter({
      name: "pacing_list_refusals_total",
      help: "Leads the dialing list closed (dnc, blacklist, max_attempts, timezone_unknown) or deferred (outside_window, max_attempts_day) instead of handing them out",
      labelNames: ["campaign", "reason"],
      registers: [registry],
    });
    // Closing refusals and pool returns become events (ClickHouse), deferrals only a count.
    const onTake = (campaignId: string, r: TakeResult) => {
      for (const s of r.skipped) refusals.inc({ campaign: campaignId, reason: s.reason });
      for (const fields of takeFacts(env.CC_ORG_ID, campaignId, r))
        void publishEvent(js, makeEvent(fields)).catch((err) =>
          log.warn({ err, kind: fields.kind }, "list event not published"),
        );
    };
    const outcomes = new ListOutcomes(lists);
    const onEvent = async (e: CallCenterEvent) => {
      speed.apply(e);
      // Leads enter the lists through the durable lead consumer below, not this subscription.
      if (e.kind === "lead.created") return;
      await outcomes.apply(e);
    };
    const sweeper = setInterval(() => {
      for (const list of lists.values())
        void list.sweep().catch((err) => log.warn({ err }, "list sweep failed"));
      void outcomes.expire().catch((err) => log.warn({ err }, "disposition wait expiry failed"));
      speed.sweep();
    }, 30_000);

    const svc = startPacingService({
      nats: nc,
      redis,
      ...(clickhouse ? { clickhouse } : {}),
      orgId: env.CC_ORG_ID,
      campaigns: paced.map(settingsOf),
      logger: log,
      launch: listLauncher({
        js,
        orgId: env.CC_ORG_ID,
        lists,
        campaigns: new Map(paced.map((c) => [c.id, c])),
        onPublishError: (err, cmd) =>
          log.warn({ err, attempt: cmd.attempt_id }, "dial command not published"),
        onTake,
        // The live picture's agent hash names the agent's team.
        teamOf: async (agentId) =>
          (await redis.hGet(liveKeys.agent(env.CC_ORG_ID, agentId), "team")) || undefined,
      }),
      onEvent,
      onDecision: (e, ms) => {
        latency.observe(ms);
        if (e.kind === "pacing.decision") launched.inc({ campaign: e.campaign_id }, e.launch);
      },
    });
    // Real-time leads go to the head of the fresh queue and wake their campaign's decision at once;
    // leads published while pacing was down wait in the stream for this durable consumer.
    const intake = await startLeadIntake({
      nats: nc,
      orgId: env.CC_ORG_ID,
      durable: env.PACING_LEADS_DURABLE ?? leadsDurableFor(env.CC_ORG_ID),
      lookbackMs: env.PACING_LEADS_LOOKBACK_MS,
      logger: log,
      onLead: async (e) => {
        const list = e.campaign_id ? lists.get(e.campaign_id) : undefined;
        if (!list || !e.campaign_id) return;
        if (await addLead(list, e)) leadsAdded.inc({ campaign: e.campaign_id });
        svc.wake(e.campaign_id);
      },
    });
    const ops = await startOpsServer({
      host: "127.0.0.1",
      port: env.PACING_HTTP_PORT,
      registry,
      keys: new ApiKeyRing(
        env.METRICS_API_KEY ? [{ key: env.METRICS_API_KEY, org_id: env.CC_ORG_ID, name: "metrics" }] : [],
      ),
      health: async () => ({
        ok: !nc.isClosed(),
        campaigns: Object.fromEntries(
          await Promise.all([...lists].map(async ([id, l]) => [id, await l.sizes()] as const)),
        ),
        p99_ms: svc.p99(),
      }),
    });
    log.info({ port: env.PACING_HTTP_PORT, campaigns: paced.map((c) => c.id) }, "pacing service up");
    return {
      stop: async () => {
        clearInterval(sweeper);
        await ops.close();
        await intake.stop();
        await svc.stop();
        await nc.drain();
        await redis.quit();
        await clickhouse?.close();
      },
    };
  },
});

/** The campaigns this instance paces: all configured ones, or the listed subset (unknown ids refused). */
function pacedCampaigns(all: CampaignConfig[], only: string[] | undefined): CampaignConfig[] {
  if (!only) return all;
  const unknown = only.filter((id) => !all.some((c) => c.id === id));
  if (unknown.length)
    throw new Error(`PACING_CAMPAIGNS names campaigns missing from CC_CAMPAIGNS: ${unknown.join(", ")}`);
  return all.filter((c) => only.includes(c.id));
}
