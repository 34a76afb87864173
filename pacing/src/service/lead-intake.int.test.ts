// The pacing service as its own process (main.ts, as npm start runs it) against real nats-server and
// redis-server: leads published while it is down (killed, not stopped cleanly) reach the dialing list
// when it comes back, each exactly once.
import path from "node:path";
import { freePort, type ManagedProcess, repoRoot, spawnManaged, startNats, startRedis } from "@cc/infra";
import { connectNats, ensureStreams, jetStreamFor, makeEvent, publishEvent } from "@cc/ingest";
import { waitFor } from "@cc/ingest/testing";
import type { JetStreamClient } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CampaignConfig, profileOf } from "../campaigns.ts";
import { RedisDialingList } from "../lists/dialing-list.ts";

const ORG = "acme";
const CAMPAIGN = "spring";
const CAMPAIGNS = [{ id: CAMPAIGN, caller_id: "+8657100000000", window: { start: "00:00", end: "24:00" } }];

describe("pacing's durable lead consumer", () => {
  let nats: Awaited<ReturnType<typeof startNats>>;
  let redisServer: Awaited<ReturnType<typeof startRedis>>;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let redis: ReturnType<typeof createClient>;
  let pacing: ManagedProcess | undefined;

  beforeAll(async () => {
    nats = await startNats();
    redisServer = await startRedis();
    nc = await connectNats(nats.url, { name: "lead-intake-test" });
    const j = await jetStreamFor(nc);
    js = j.js;
    await ensureStreams(j.jsm);
    redis = createClient({ url: redisServer.url });
    await redis.connect();
  });
  afterAll(async () => {
    await pacing?.stop();
    await redis?.quit();
    await nc?.drain();
    await redisServer?.stop();
    await nats?.stop();
  });

  async function startPacing(): Promise<ManagedProcess> {
    const port = await freePort();
    return await spawnManaged({
      name: "pacing",
      command: process.execPath,
      args: [path.join(repoRoot, "pacing/src/service/main.ts")],
      env: {
        ...process.env,
        NATS_URL: nats.url,
        REDIS_URL: redisServer.url,
        CC_ORG_ID: ORG,
        CC_CAMPAIGNS: JSON.stringify(CAMPAIGNS),
        PACING_HTTP_PORT: String(port),
        LOG_LEVEL: "warn",
      },
      ready: async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => null))?.ok ?? false,
      readyTimeoutMs: 30_000,
    });
  }

  const publishLead = (i: number) =>
    publishEvent(
      js,
      makeEvent({
        kind: "lead.created",
        org_id: ORG,
        lead_id: `web-${i}`,
        source: "web_form",
        campaign_id: CAMPAIGN,
        phone: `+86138${String(i).padStart(8, "0")}`,
        consent: { given: true, method: "web_form" },
      }),
    );

  it("adds leads published while pacing was down, each once", async () => {
    const list = new RedisDialingList({
      redis,
      orgId: ORG,
      campaignId: CAMPAIGN,
      profile: profileOf(CampaignConfig.parse(CAMPAIGNS[0])),
    });
    const leadKeys = async () => (await redis.keys(`cc:list:${ORG}:${CAMPAIGN}:lead:*`)).sort();

    pacing = await startPacing();
    for (let i = 0; i < 10; i++) await publishLead(i);
    await waitFor(
      "first leads listed",
      () => list.sizes(),
      (s) => s.fresh === 10,
      15_000,
    );

    // A crash: no clean stop, no drain.
    pacing.kill("SIGKILL");
    await pacing.exited;
    pacing = undefined;
    for (let i = 10; i < 40; i++) await publishLead(i);
    // A retried POST: the same leads again under new event ids.
    for (let i = 0; i < 5; i++) await publishLead(i);
    expect((await list.sizes()).fresh).toBe(10);

    pacing = await startPacing();
    await waitFor(
      "leads of the downtime listed",
      () => list.sizes(),
      (s) => s.fresh >= 40,
      15_000,
    );
    // Nothing more arrives later (a duplicate would not add a second entry, but a queue > 40 would show it).
    await new Promise((r) => setTimeout(r, 1_000));
    const sizes = await list.sizes();
    expect(sizes.fresh + sizes.taken + sizes.callbacks + sizes.recycled).toBe(40);
    const expected = Array.from({ length: 40 }, (_, i) => `cc:list:${ORG}:${CAMPAIGN}:lead:web-${i}`).sort();
    expect(await leadKeys()).toEqual(expected);
  }, 90_000);
});
