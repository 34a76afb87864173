import { createClickHouse, migrate, runWallboardQueries, type WallboardWindow } from "@cc/analytics";
import { type ClickHouseHost, startClickHouseHost } from "@cc/infra";
import { type CallCenterEvent, makeEvent } from "@cc/ingest";
import type { ClickHouseClient } from "@clickhouse/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { insertEvents, prng, seedCalls } from "../testing/seed.ts";

// The wallboard reads hourly rollups plus the 10 s / 1 min tables for the partial first hour
// (migration 060). These reference queries read the fine tables and the raw call.bridged /
// disposition rows the way the wallboard did before: the numbers must be the same.
const ORG = "wb-org";
const NOW = Date.parse("2026-03-02T10:17:43.000Z");
const HOUR = 3_600_000;

const reference = {
  campaignToday: `
SELECT campaign_id, sum(attempts) AS attempts, sum(answered) AS answered, sum(human_answered) AS live_answers,
       sum(abandoned) AS abandoned, sum(bridged) AS bridged, sum(talked) AS talked,
       sum(talk_s) AS talk_s, sum(wrap_s) AS wrap_s
FROM campaign_stats_10s WHERE org_id = {org:String} AND bucket >= toDateTime({day:UInt32}, 'UTC')
GROUP BY campaign_id ORDER BY campaign_id`,
  campaign24h: `
SELECT campaign_id, sum(human_answered) AS live_answers, sum(abandoned) AS abandoned
FROM campaign_stats_10s WHERE org_id = {org:String} AND bucket >= toDateTime({since24:UInt32}, 'UTC')
GROUP BY campaign_id ORDER BY campaign_id`,
  campaignSeries: `
SELECT campaign_id, toUnixTimestamp(toStartOfMinute(bucket)) AS minute,
       sum(attempts) AS attempts, sum(human_answered) AS live_answers, sum(abandoned) AS abandoned,
       sum(bridged) AS bridged
FROM campaign_stats_10s WHERE org_id = {org:String} AND bucket >= toDateTime({since30m:UInt32}, 'UTC')
GROUP BY campaign_id, minute ORDER BY campaign_id, minute`,
  serviceLevel: `
SELECT campaign_id, count() AS bridged, countIf(JSONExtractUInt(payload, 'wait_ms') < {sl:UInt32} * 1000) AS within_threshold
FROM events WHERE org_id = {org:String} AND kind = 'call.bridged' AND occurred_at >= toDateTime64({day:UInt32}, 3, 'UTC')
GROUP BY campaign_id ORDER BY campaign_id`,
  conversions: `
SELECT campaign_id, countIf(disposition IN ('A', 'B')) AS conversions, count() AS dispositions
FROM report_lead_events WHERE org_id = {org:String} AND kind = 'call.disposition' AND ts >= toDateTime64({day:UInt32}, 3, 'UTC')
GROUP BY campaign_id ORDER BY campaign_id`,
  agentStates: `
SELECT agent_id, state, sum(seconds) AS seconds
FROM agent_state_1m WHERE org_id = {org:String} AND bucket >= toDateTime({day:UInt32}, 'UTC')
GROUP BY agent_id, state ORDER BY agent_id, state`,
};

let host: ClickHouseHost;
let client: ClickHouseClient;

/** Calls over the last 30 h, with queue waits up to a minute, dispositions, and agent state changes. */
function history(): CallCenterEvent[] {
  const rnd = prng(42);
  const out: CallCenterEvent[] = [];
  ["spring", "care", "winback"].forEach((campaignId, i) => {
    const calls = seedCalls({
      orgId: ORG,
      campaignId,
      startMs: NOW - 30 * HOUR,
      endMs: NOW + 60_000,
      calls: 600,
      seed: i + 1,
    });
    for (const e of calls) {
      if (e.kind === "call.bridged") {
        // Waits spread over 0–60 s so the service-level threshold splits them.
        out.push({ ...e, wait_ms: Math.floor(rnd() * 60_000) });
        out.push(
          makeEvent(
            {
              kind: "call.disposition",
              org_id: ORG,
              campaign_id: campaignId,
              attempt_id: e.attempt_id,
              lead_id: e.lead_id,
              agent_id: e.agent_id,
              disposition: "ABCDEF"[Math.floor(rnd() * 6)] as "A",
              set_by: "agent",
            },
            Date.parse(e.occurred_at) + Math.floor(rnd() * 200_000),
          ),
        );
      } else out.push(e);
    }
  });
  const states = ["ready", "on_call", "wrap_up", "paused"] as const;
  for (let a = 0; a < 6; a++) {
    let t = NOW - 30 * HOUR + Math.floor(rnd() * HOUR);
    let prev: (typeof states)[number] = "ready";
    while (t < NOW) {
      const held = Math.floor(rnd() * 2_400_000);
      t += held;
      const state = states[Math.floor(rnd() * states.length)]!;
      out.push(
        makeEvent(
          {
            kind: "agent.state_changed",
            org_id: ORG,
            agent_id: `ag-${a}`,
            state,
            previous_state: prev,
            previous_state_s: held / 1000,
            team_id: `t-${a % 2}`,
            ...(state === "paused" ? { pause_reason: "break" as const } : {}),
          },
          t,
        ),
      );
      prev = state;
    }
  }
  return out;
}

beforeAll(async () => {
  host = await startClickHouseHost();
  client = createClickHouse({ url: host.url, ...host.writer });
  await migrate(client);
  const events = history();
  // Several inserts, so every table holds several unmerged parts (rows are partial sums).
  for (let i = 0; i < 4; i++)
    await insertEvents(
      client,
      events.filter((_, j) => j % 4 === i),
    );
}, 120_000);

afterAll(async () => {
  await client?.close();
  await host?.stop();
});

async function referenceRows(w: WallboardWindow) {
  const s = (d: Date) => Math.floor(d.getTime() / 1000);
  const params = {
    org: w.orgId,
    day: s(w.dayStart),
    since24: s(w.now) - 86_400,
    since30m: Math.floor((s(w.now) - 1800) / 60) * 60,
    sl: w.serviceLevelSeconds,
  };
  const out: Record<string, unknown[]> = {};
  for (const [name, query] of Object.entries(reference)) {
    const rs = await client.query({ query, query_params: params, format: "JSONEachRow" });
    out[name] = await rs.json();
  }
  return out;
}

/** Row values as numbers, floats to 6 decimals (sums of the same values in another order). */
function normalized(rows: unknown[]) {
  return rows.map((r) =>
    Object.fromEntries(
      Object.entries(r as Record<string, unknown>).map(([k, v]) => {
        if (k.endsWith("_id") || k === "state") return [k, v];
        const n = Number(v);
        return [k, Math.round(n * 1e6) / 1e6];
      }),
    ),
  );
}

describe("wallboard queries over the rollups", () => {
  const windows: Array<[string, WallboardWindow]> = [
    // Local midnight in UTC+8 (on the hour): the rollups alone.
    [
      "midnight UTC+8",
      {
        orgId: ORG,
        dayStart: new Date(Date.parse("2026-03-01T16:00:00Z")),
        now: new Date(NOW),
        serviceLevelSeconds: 20,
      },
    ],
    // Local midnight in UTC+5:45: a partial first hour from the fine tables.
    [
      "midnight UTC+5:45",
      {
        orgId: ORG,
        dayStart: new Date(Date.parse("2026-03-01T18:15:00Z")),
        now: new Date(NOW),
        serviceLevelSeconds: 30,
      },
    ],
  ];
  for (const [label, w] of windows) {
    it(`give the fine tables' numbers (${label})`, async () => {
      const { rows } = await runWallboardQueries(client, w);
      const ref = await referenceRows(w);
      for (const name of Object.keys(reference) as Array<keyof typeof reference>) {
        expect(ref[name]!.length, name).toBeGreaterThan(0);
        expect(normalized(rows[name]), name).toEqual(normalized(ref[name]!));
      }
      // The threshold splits the calls: some answered within T, some not.
      const sl = rows.serviceLevel.reduce((n, r) => n + r.within_threshold, 0);
      const bridged = rows.serviceLevel.reduce((n, r) => n + r.bridged, 0);
      expect(sl).toBeGreaterThan(0);
      expect(sl).toBeLessThan(bridged);
    });
  }

  it("counts a call bridged after the first snapshot (the views keep up with inserts)", async () => {
    const w = windows[0]![1];
    const before = (await runWallboardQueries(client, w)).rows.serviceLevel.find(
      (r) => r.campaign_id === "care",
    )!;
    await insertEvents(client, [
      makeEvent(
        {
          kind: "call.bridged",
          org_id: ORG,
          campaign_id: "care",
          attempt_id: "late",
          lead_id: "late",
          agent_id: "ag-1",
          wait_ms: 1_500,
        },
        NOW - 5_000,
      ),
    ]);
    const after = (await runWallboardQueries(client, w)).rows.serviceLevel.find(
      (r) => r.campaign_id === "care",
    )!;
    expect(after.bridged).toBe(before.bridged + 1);
    expect(after.within_threshold).toBe(before.within_threshold + 1);
  });
});
