import { agentStateTotals, createClickHouse, liveRates, migrate } from "@cc/analytics";
import { type ClickHouseHost, startClickHouseHost } from "@cc/infra";
import { type CallCenterEvent, makeEvent } from "@cc/ingest";
import type { ClickHouseClient } from "@clickhouse/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertEvents, prng, seedCalls } from "../testing/seed.ts";

let host: ClickHouseHost;
let client: ClickHouseClient;
const NOW = Date.parse("2026-03-02T10:00:07.300Z");

beforeAll(async () => {
  host = await startClickHouseHost();
  client = createClickHouse({ url: host.url, ...host.writer });
});

afterAll(async () => {
  await client?.close();
  await host?.stop();
});

/** Linear interpolation between closest ranks — ClickHouse `quantile` on < 8192 values. */
function quantile(sorted: number[], level: number): number | null {
  if (sorted.length === 0) return null;
  const pos = level * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

function expectedRates(events: CallCenterEvent[], campaign: string, org: string, windowSeconds: number) {
  const fromBucket = Math.floor((NOW / 1000 - windowSeconds) / 10) * 10;
  const toBucket = Math.floor(NOW / 1000 / 10) * 10;
  const inWindow = events.filter((e) => {
    const b = Math.floor(Date.parse(e.occurred_at) / 1000 / 10) * 10;
    return (
      e.org_id === org && "campaign_id" in e && e.campaign_id === campaign && b >= fromBucket && b <= toBucket
    );
  });
  const of = <K extends CallCenterEvent["kind"]>(k: K) =>
    inWindow.filter((e): e is Extract<CallCenterEvent, { kind: K }> => e.kind === k);
  const attempts = of("call.attempt_created").length;
  const answered = of("call.answered");
  const human = answered.filter((e) => e.detection === "human").length;
  const abandoned = of("call.abandoned").length;
  const ended = of("call.ended");
  const talked = ended.filter((e) => e.talk_s > 0);
  const wrapped = ended.filter((e) => e.wrap_s > 0);
  const ring = answered.map((e) => e.ring_s).sort((a, b) => a - b);
  return {
    attempts,
    answered: answered.length,
    humanAnswered: human,
    machine: answered.filter((e) => e.detection === "machine").length,
    abandoned,
    bridged: of("call.bridged").length,
    answerRate: attempts ? answered.length / attempts : null,
    humanAnswerRate: attempts ? human / attempts : null,
    abandonRate: human ? abandoned / human : null,
    meanTalkSeconds: talked.length ? talked.reduce((s, e) => s + e.talk_s, 0) / talked.length : null,
    meanWrapSeconds: wrapped.length ? wrapped.reduce((s, e) => s + e.wrap_s, 0) / wrapped.length : null,
    timeToAnswer: { p50: quantile(ring, 0.5), p90: quantile(ring, 0.9), p95: quantile(ring, 0.95) },
  };
}

function approx(actual: Record<string, unknown>, expected: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(expected)) {
    const a = actual[k];
    if (typeof v === "number") expect(a, k).toBeCloseTo(v, 9);
    else if (v && typeof v === "object") approx(a as Record<string, unknown>, v as Record<string, unknown>);
    else expect(a, k).toEqual(v);
  }
}

describe("migrations, materialized views and liveRates", () => {
  it("applies migrations once and is idempotent", async () => {
    const first = await migrate(client);
    expect(first.applied).toContain("001_events");
    expect(first.applied).toContain("002_campaign_stats_10s");
    const second = await migrate(client);
    expect(second.applied).toEqual([]);
    expect(second.skipped).toEqual(first.applied);
    const rs = await client.query({
      query: "SELECT toUInt32(count()) AS n FROM schema_migrations FINAL",
      format: "JSONEachRow",
    });
    expect(await rs.json()).toEqual([{ n: first.applied.length }]);
  });

  it("counts exactly what was seeded, ignores other campaigns/orgs/windows and duplicate batches", async () => {
    const window = 300;
    const events = [
      // inside and around the 5-minute window, several batches
      ...seedCalls({
        orgId: "org1",
        campaignId: "camp-a",
        startMs: NOW - 600_000,
        endMs: NOW + 1,
        calls: 700,
        seed: 1,
      }),
      ...seedCalls({
        orgId: "org1",
        campaignId: "camp-b",
        startMs: NOW - 300_000,
        endMs: NOW,
        calls: 200,
        seed: 2,
      }),
      ...seedCalls({
        orgId: "org2",
        campaignId: "camp-a",
        startMs: NOW - 300_000,
        endMs: NOW,
        calls: 150,
        seed: 3,
      }),
      // after `now`: must not count
      ...seedCalls({
        orgId: "org1",
        campaignId: "camp-a",
        startMs: NOW + 20_000,
        endMs: NOW + 60_000,
        calls: 30,
        seed: 4,
      }),
    ];
    const rnd = prng(9);
    const shuffled = events
      .map((e) => [rnd(), e] as const)
      .sort((a, b) => a[0] - b[0])
      .map(([, e]) => e);
    const batches: CallCenterEvent[][] = [];
    for (let i = 0; i < shuffled.length; i += 400) batches.push(shuffled.slice(i, i + 400));
    for (const [i, b] of batches.entries()) await insertEvents(client, b, `test-batch-${i}`);
    // A retried batch (same dedup token) must change nothing, in events or in the views.
    await insertEvents(client, batches[1]!, "test-batch-1");
    await insertEvents(client, batches[3]!, "test-batch-3");

    const raw = await client.query({
      query: "SELECT toUInt32(count()) AS n FROM events",
      format: "JSONEachRow",
    });
    expect(await raw.json()).toEqual([{ n: events.length }]);

    for (const [org, campaign] of [
      ["org1", "camp-a"],
      ["org1", "camp-b"],
      ["org2", "camp-a"],
    ] as const) {
      for (const w of [window, 60, 3600]) {
        const got = await liveRates(client, {
          campaignId: campaign,
          orgId: org,
          windowSeconds: w,
          now: new Date(NOW),
        });
        const want = expectedRates(events, campaign, org, w);
        expect(want.attempts).toBeGreaterThan(0);
        approx(got as unknown as Record<string, unknown>, want);
        expect(got.window.to.getTime()).toBe(NOW);
      }
    }
    const none = await liveRates(client, {
      campaignId: "no-such-campaign",
      windowSeconds: 60,
      now: new Date(NOW),
    });
    expect(none).toMatchObject({
      attempts: 0,
      answerRate: null,
      abandonRate: null,
      timeToAnswer: { p50: null },
    });
  });

  it("learns wrap time from agents leaving wrap-up for a named call (the real path), not from other moves", async () => {
    const org = "org-wrap";
    const at = (s: number) => NOW - 120_000 + s * 1000;
    const move = (agent: string, prev: "wrap_up" | "on_call", secs: number, t: number, attempt?: string) =>
      makeEvent(
        {
          kind: "agent.state_changed",
          org_id: org,
          agent_id: agent,
          state: prev === "wrap_up" ? "ready" : "wrap_up",
          previous_state: prev,
          previous_state_s: secs,
          campaign_id: "live",
          ...(attempt ? { attempt_id: attempt } : {}),
        },
        t,
      );
    await insertEvents(
      client,
      [
        move("a1", "wrap_up", 12, at(1), "att-1"),
        move("a2", "wrap_up", 30, at(2), "att-2"),
        // Not counted: a move out of wrap-up naming no call (the simulator's), and on_call → wrap_up.
        move("a3", "wrap_up", 500, at(3)),
        move("a1", "on_call", 90, at(4), "att-3"),
      ],
      "wrap-test",
    );
    const got = await liveRates(client, {
      campaignId: "live",
      orgId: org,
      windowSeconds: 600,
      now: new Date(NOW),
    });
    expect(got.meanWrapSeconds).toBeCloseTo(21, 9);
  });

  it("splits agent state time over minutes and sums it per state", async () => {
    const org = "org-agents";
    const rnd = prng(42);
    const states = ["ready", "reserved", "on_call", "wrap_up", "paused"] as const;
    const events: CallCenterEvent[] = [];
    for (const agent of ["ag-1", "ag-2", "ag-3"]) {
      let t = NOW - 3 * 3600_000;
      let prev: (typeof states)[number] = "ready";
      while (t < NOW + 120_000) {
        const dur = Math.round(rnd() * 400_000) / 1000;
        t += Math.round(dur * 1000);
        const state = states[Math.floor(rnd() * states.length)]!;
        events.push(
          makeEvent(
            {
              kind: "agent.state_changed",
              org_id: org,
              agent_id: agent,
              state,
              previous_state: prev,
              previous_state_s: dur,
              ...(state === "paused" ? { pause_reason: "break" as const } : {}),
            },
            t,
          ),
        );
        prev = state;
      }
    }
    await insertEvents(client, events, "agent-batch");
    const windowSeconds = 3600;
    const fromS = Math.floor((NOW / 1000 - windowSeconds) / 60) * 60;
    const toS = Math.floor(NOW / 1000 / 60) * 60 + 60; // the bucket containing now is included
    const want = new Map<string, number>();
    for (const e of events) {
      if (e.kind !== "agent.state_changed") continue;
      const end = Date.parse(e.occurred_at) / 1000;
      const start = end - e.previous_state_s;
      const overlap = Math.max(0, Math.min(end, toS) - Math.max(start, fromS));
      if (overlap > 0)
        want.set(
          `${e.agent_id}/${e.previous_state}`,
          (want.get(`${e.agent_id}/${e.previous_state}`) ?? 0) + overlap,
        );
    }
    const got = await agentStateTotals(client, { orgId: org, windowSeconds, now: new Date(NOW) });
    const gotMap = new Map(got.totals.map((r) => [`${r.agentId}/${r.state}`, r.seconds]));
    expect([...gotMap.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [k, v] of want) expect(gotMap.get(k), k).toBeCloseTo(v, 6);
  });
});
