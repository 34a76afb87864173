import {
  applyEvent,
  createClickHouse,
  insertEvents,
  type LiveRedis,
  liveRates,
  migrate,
  seedCalls,
} from "@cc/analytics";
import { startClickHouseHost, startNats, startRedis } from "@cc/infra";
import {
  DialCommand,
  dialSubject,
  ensureStreams,
  jetStreamFor,
  makeEvent,
  parseEvent,
  subjectFor,
} from "@cc/ingest";
import { connect } from "@nats-io/transport-node";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CampaignConfig, profileOf, settingsOf } from "../campaigns.ts";
import { DEFAULT_CAMPAIGN } from "../core/types.ts";
import { RedisDialingList } from "../lists/dialing-list.ts";
import { listLauncher } from "./launcher.ts";
import { startPacingService } from "./service.ts";

describe("pacing service against real nats-server and redis-server", () => {
  let nats: Awaited<ReturnType<typeof startNats>>;
  let redisServer: Awaited<ReturnType<typeof startRedis>>;
  beforeAll(async () => {
    nats = await startNats();
    redisServer = await startRedis();
  });
  afterAll(async () => {
    await nats?.stop();
    await redisServer?.stop();
  });

  it("turns agent events into one dial command per lead taken from the list, and audited pacing.decision events", async () => {
    const nc = await connect({ servers: nats.url });
    const redis = createClient({ url: redisServer.url }) as unknown as LiveRedis;
    await redis.connect();
    const org = "acme";
    const campaign = "spring";
    const cfg = CampaignConfig.parse({
      id: campaign,
      mode: "progressive",
      caller_id: "+8657100000000",
      window: { start: "00:00", end: "24:00" },
    });
    const list = new RedisDialingList({ redis, orgId: org, campaignId: campaign, profile: profileOf(cfg) });
    for (let i = 0; i < 5; i++)
      await list.add({ leadId: `L${i}`, phone: `+861380000000${i}`, consent: true });
    const { js, jsm } = await jetStreamFor(nc);
    await ensureStreams(jsm);
    const svc = startPacingService({
      nats: nc,
      redis,
      orgId: org,
      campaigns: [settingsOf(cfg)],
      tickMs: 60_000,
      launch: listLauncher({
        js,
        orgId: org,
        lists: new Map([[campaign, list]]),
        campaigns: new Map([[campaign, cfg]]),
      }),
    });
    const dials = nc.subscribe(dialSubject(org, campaign));
    const decisions = nc.subscribe(`cc.events.${org}.pacing.decision.${campaign}`);
    try {
      // Three agents log in and become ready (projected into Redis by analytics' live-state).
      for (const id of ["a1", "a2", "a3"]) {
        await applyEvent(
          redis,
          makeEvent({
            kind: "agent.login",
            org_id: org,
            agent_id: id,
            team_id: "t1",
            skills: [{ skill: "sales", level: 5 }],
            campaign_id: campaign,
          }),
        );
        const ready = makeEvent({
          kind: "agent.state_changed",
          org_id: org,
          agent_id: id,
          state: "ready",
          previous_state: "logged_out",
          previous_state_s: 0,
          campaign_id: campaign,
        });
        await applyEvent(redis, ready);
        nc.publish(subjectFor(ready), JSON.stringify(ready));
      }
      const commands: DialCommand[] = [];
      for await (const m of dials) {
        commands.push(DialCommand.parse(m.json()));
        if (commands.length >= 3) break;
      }
      // Three ready agents, progressive 1:1: three attempts, three different leads, first attempts.
      expect(new Set(commands.map((c) => c.lead_id)).size).toBe(3);
      expect(commands.every((c) => c.attempt_no === 1 && c.caller_id === "+8657100000000")).toBe(true);
      expect(new Set(commands.map((c) => c.attempt_id)).size).toBe(3);
      for (const c of commands) expect((await list.lead(c.lead_id)).state).toBe("taken");
      expect((await list.sizes()).fresh).toBe(2);
      const it = decisions[Symbol.asyncIterator]();
      const first = await it.next();
      const parsed = parseEvent(first.value!.json());
      expect(parsed.ok).toBe(true);
      if (parsed.ok && parsed.event.kind === "pacing.decision") {
        expect(parsed.event.campaign_id).toBe(campaign);
        expect(parsed.event.latency_ms).toBeGreaterThanOrEqual(0);
      }
      expect(svc.latencies.length).toBeGreaterThan(0);
      console.log(
        `event→decision latency p99 ${svc.p99().toFixed(2)} ms over ${svc.latencies.length} decisions`,
      );
    } finally {
      dials.unsubscribe();
      decisions.unsubscribe();
      await svc.stop();
      await nc.drain();
      await redis.quit();
    }
  });

  it("reads live rates from ClickHouse: the decision's live-answer estimate and abandon budget reflect the seeded calls", async () => {
    await using ch = await startClickHouseHost();
    const client = createClickHouse({ url: ch.url, ...ch.writer });
    const nc = await connect({ servers: nats.url });
    const redis = createClient({ url: redisServer.url }) as unknown as LiveRedis;
    await redis.connect();
    const org = "acme-ch";
    const campaign = "autumn";
    try {
      await migrate(client);
      const now = Date.now();
      // An hour of this campaign's calls, plus another campaign's that must not count.
      await insertEvents(client, [
        ...seedCalls({
          orgId: org,
          campaignId: campaign,
          startMs: now - 3_600_000,
          endMs: now - 5_000,
          calls: 600,
          seed: 11,
        }),
        ...seedCalls({
          orgId: org,
          campaignId: "other",
          startMs: now - 3_600_000,
          endMs: now - 5_000,
          calls: 300,
          seed: 12,
        }),
      ]);
      const rates = await liveRates(client, { campaignId: campaign, orgId: org, windowSeconds: 86_400 });
      expect(rates.attempts).toBe(600);
      expect(rates.humanAnswered).toBeGreaterThan(30);
      const svc = startPacingService({
        nats: nc,
        redis,
        clickhouse: client,
        orgId: org,
        campaigns: [{ ...DEFAULT_CAMPAIGN, campaignId: campaign, mode: "predictive" }],
        tickMs: 60_000,
      });
      const decisions = nc.subscribe(`cc.events.${org}.pacing.decision.${campaign}`);
      try {
        for (const id of ["b1", "b2"]) {
          const login = makeEvent({
            kind: "agent.login",
            org_id: org,
            agent_id: id,
            team_id: "t1",
            skills: [{ skill: "sales", level: 5 }],
            campaign_id: campaign,
          });
          await applyEvent(redis, login);
          const ready = makeEvent({
            kind: "agent.state_changed",
            org_id: org,
            agent_id: id,
            state: "ready",
            previous_state: "logged_out",
            previous_state_s: 0,
            campaign_id: campaign,
          });
          await applyEvent(redis, ready);
          nc.publish(subjectFor(ready), JSON.stringify(ready));
        }
        const first = await decisions[Symbol.asyncIterator]().next();
        const parsed = parseEvent(first.value!.json());
        expect(parsed.ok).toBe(true);
        if (!parsed.ok || parsed.event.kind !== "pacing.decision") throw new Error("not a decision");
        const ev = parsed.event;
        // P(live) per attempt = answer rate × human share, as ClickHouse computed them.
        const pLive = (rates.answered / rates.attempts) * (rates.humanAnswered / rates.answered);
        expect(Number(ev.explanation.p_live_per_attempt)).toBeCloseTo(pLive, 3);
        // The abandon budget is the cap times ClickHouse's live answers minus its abandons (24 h and 30 d agree).
        expect(ev.abandon_budget_left).toBeCloseTo(0.03 * rates.humanAnswered - rates.abandoned, 6);
        expect(ev.launch).toBeGreaterThan(0);
      } finally {
        decisions.unsubscribe();
        await svc.stop();
      }
    } finally {
      await nc.drain();
      await redis.quit();
      await client.close();
    }
  }, 120_000);
});
