// npm run bench -- pacing-service [--quick] [--json PATH]
// Event → decision latency of the live pacing service against real servers (nats-server,
// redis-server, the ClickHouse host with an hour of seeded calls): one agent event at a time is
// projected into Redis and published; we time from the publish to the receipt of the
// pacing.decision event it triggers (end to end), and read the service's own measure
// (event receipt → decision published) alongside.
import {
  applyEvent,
  createClickHouse,
  insertEvents,
  type LiveRedis,
  migrate,
  seedCalls,
} from "@cc/analytics";
import { startClickHouseHost, startNats, startRedis } from "@cc/infra";
import { makeEvent, subjectFor } from "@cc/ingest";
import { DEFAULT_CAMPAIGN, startPacingService } from "@cc/pacing";
import { connect } from "@nats-io/transport-node";
import { createClient } from "redis";
import type { BenchOptions } from "./types.ts";

const q = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(s.length * p))]! : 0;
};

export async function run(opts: BenchOptions): Promise<Record<string, unknown>> {
  const decisions = opts.quick ? 1000 : 5000;
  const agents = 20;
  await using nats = await startNats();
  await using redisServer = await startRedis();
  await using ch = await startClickHouseHost();
  const client = createClickHouse({ url: ch.url, ...ch.writer });
  const nc = await connect({ servers: nats.url });
  const redis = createClient({ url: redisServer.url }) as unknown as LiveRedis;
  await redis.connect();
  const org = "bench";
  const campaign = "bench-campaign";
  try {
    await migrate(client);
    const now = Date.now();
    await insertEvents(
      client,
      seedCalls({
        orgId: org,
        campaignId: campaign,
        startMs: now - 3_600_000,
        endMs: now,
        calls: 5000,
        seed: 1,
      }),
    );
    const svc = startPacingService({
      nats: nc,
      redis,
      clickhouse: client,
      orgId: org,
      campaigns: [{ ...DEFAULT_CAMPAIGN, campaignId: campaign, mode: "predictive" }],
      tickMs: 3_600_000,
      ratesRefreshMs: 10_000,
    });
    const sub = nc.subscribe(`cc.events.${org}.pacing.decision.${campaign}`);
    const it = sub[Symbol.asyncIterator]();
    const states = ["ready", "on_call", "wrap_up"] as const;
    const current = new Map<string, (typeof states)[number] | "logged_out">();
    for (let i = 0; i < agents; i++) {
      const id = `agent-${i}`;
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
      current.set(id, "logged_out");
    }
    const e2e: number[] = [];
    for (let i = 0; i < decisions; i++) {
      const id = `agent-${i % agents}`;
      const prev = current.get(id)!;
      const state = states[(states.indexOf(prev as never) + 1) % states.length]!;
      current.set(id, state);
      const ev = makeEvent({
        kind: "agent.state_changed",
        org_id: org,
        agent_id: id,
        state,
        previous_state: prev,
        previous_state_s: 1,
        campaign_id: campaign,
      });
      await applyEvent(redis, ev);
      const t0 = performance.now();
      nc.publish(subjectFor(ev), JSON.stringify(ev));
      await it.next();
      e2e.push(performance.now() - t0);
    }
    await new Promise((r) => setTimeout(r, 200));
    const received = sub.getReceived();
    sub.unsubscribe();
    await svc.stop();
    const svcLat = svc.latencies.slice(-decisions);
    const row = {
      decisions: e2e.length,
      // One decision per event: more would mean decisions triggering decisions.
      decisions_published: received,
      agents,
      e2e_p50_ms: q(e2e, 0.5),
      e2e_p99_ms: q(e2e, 0.99),
      service_p50_ms: q(svcLat, 0.5),
      service_p99_ms: q(svcLat, 0.99),
    };
    console.log("decisions\tagents\te2e p50\te2e p99\tsvc p50\tsvc p99 (ms)");
    console.log(
      [row.decisions, agents, row.e2e_p50_ms, row.e2e_p99_ms, row.service_p50_ms, row.service_p99_ms]
        .map((x) => (typeof x === "number" && !Number.isInteger(x) ? x.toFixed(2) : String(x)))
        .join("\t"),
    );
    return row;
  } finally {
    await nc.drain();
    await redis.quit();
    await client.close();
  }
}
