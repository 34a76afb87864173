// The poor-calls report and the wallboard's quality query on the embedded ClickHouse: call.quality
// events (as the media service publishes them) through the migrations' materialized view, checked
// against figures computed here by hand.
import { type ClickHouseHost, startClickHouseHost } from "@cc/infra";
import { type CallCenterEvent, makeEvent } from "@cc/ingest";
import { type ClickHouseClient, createClient } from "@clickhouse/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runWallboardQueries } from "../live-state/wallboard-queries.ts";
import { migrate } from "../schema/migrate.ts";
import { insertEvents } from "../testing/seed.ts";
import { qualityReport } from "./quality.ts";

let host: ClickHouseHost;
let writer: ClickHouseClient;
let analyst: ClickHouseClient;
const ORG = "acme";
const T0 = Date.parse("2026-11-02T01:10:00Z"); // 09:10 in Shanghai
const HOUR = 3_600_000;

interface Call {
  id: string;
  trunk: string;
  agent: string;
  at: number;
  /** MOS heard by the customer and by the agent (null: no RTCP). */
  mos: [number | null, number | null];
  loss: number;
}

const calls: Call[] = [
  { id: "c1", trunk: "ct-sh", agent: "a1", at: T0, mos: [4.4, 4.3], loss: 0 },
  { id: "c2", trunk: "ct-sh", agent: "a1", at: T0 + 60_000, mos: [4.4, 2.2], loss: 19 },
  { id: "c3", trunk: "cu-bj", agent: "a2", at: T0 + HOUR, mos: [3.1, 3.0], loss: 8 },
  { id: "c4", trunk: "cu-bj", agent: "a2", at: T0 + HOUR + 60_000, mos: [4.2, 4.1], loss: 0 },
  { id: "c5", trunk: "cu-bj", agent: "a3", at: T0 + 2 * HOUR, mos: [null, null], loss: 0 },
];

function events(c: Call): CallCenterEvent[] {
  return (["customer", "agent"] as const).map((leg, i) => {
    const mos = c.mos[i] ?? null;
    return makeEvent(
      {
        kind: "call.quality",
        org_id: ORG,
        attempt_id: c.id,
        campaign_id: "spring",
        lead_id: `L-${c.id}`,
        agent_id: c.agent,
        trunk: c.trunk,
        leg,
        samples: mos === null ? 0 : 4,
        packets: 500,
        ...(mos === null
          ? { source: "none" as const }
          : { source: "rtpengine" as const, mos, mos_min: mos, loss_pct: c.loss, jitter_ms: 1, rtt_ms: 2 }),
      },
      c.at,
    );
  });
}

beforeAll(async () => {
  host = await startClickHouseHost();
  writer = createClient({ url: host.url, ...host.writer });
  analyst = createClient({ url: host.url, ...host.analyst });
  await migrate(writer);
  await insertEvents(writer, calls.flatMap(events));
  // The agents' teams, for a team-scoped viewer.
  await insertEvents(writer, [
    makeEvent({ kind: "agent.login", org_id: ORG, agent_id: "a1", team_id: "t1", skills: [] }, T0 - HOUR),
    makeEvent({ kind: "agent.login", org_id: ORG, agent_id: "a2", team_id: "t2", skills: [] }, T0 - HOUR),
  ]);
}, 120_000);

afterAll(async () => {
  await writer?.close();
  await analyst?.close();
  await host?.stop();
});

const range = { from: new Date(T0 - HOUR).toISOString(), to: new Date(T0 + 3 * HOUR).toISOString() };

describe("poor calls report", () => {
  it("by trunk: a call's worse leg decides, calls without RTCP are not measured", async () => {
    const r = await qualityReport(analyst, { orgId: ORG }, { ...range, groupBy: "trunk" });
    expect(r.rows).toEqual([
      {
        key: "ct-sh",
        calls: 2,
        measured: 2,
        poor: 1,
        poor_share: 0.5,
        avg_mos: 3.25,
        min_mos: 2.2,
        avg_loss_pct: 9.5,
        avg_jitter_ms: 1,
        avg_rtt_ms: 2,
      },
      {
        key: "cu-bj",
        calls: 3,
        measured: 2,
        poor: 1,
        poor_share: 0.5,
        avg_mos: 3.55,
        min_mos: 3,
        avg_loss_pct: 4,
        avg_jitter_ms: 1,
        avg_rtt_ms: 2,
      },
    ]);
  });

  it("by agent and by hour of day (Shanghai), with the threshold as a parameter", async () => {
    const byAgent = await qualityReport(analyst, { orgId: ORG }, { ...range, groupBy: "agent" });
    expect(byAgent.rows.map((r) => [r.key, r.calls, r.poor])).toEqual([
      ["a1", 2, 1],
      ["a2", 2, 1],
      ["a3", 1, 0],
    ]);
    const byHour = await qualityReport(analyst, { orgId: ORG }, { ...range, groupBy: "hour", poorMos: 4.35 });
    expect(byHour.rows.map((r) => [r.key, r.measured, r.poor])).toEqual([
      ["9", 2, 2],
      ["10", 2, 2],
      ["11", 0, 0],
    ]);
  });

  it("a team-scoped viewer sees only their team's agents' calls", async () => {
    const r = await qualityReport(analyst, { orgId: ORG, teamIds: ["t2"] }, { ...range, groupBy: "agent" });
    expect(r.rows.map((x) => x.key)).toEqual(["a2"]);
  });
});

describe("wallboard quality warning query", () => {
  it("counts measured and poor calls of the last five minutes only", async () => {
    const now = new Date(T0 + HOUR + 120_000);
    const { rows } = await runWallboardQueries(writer as never, {
      orgId: ORG,
      dayStart: new Date(T0 - 2 * HOUR),
      now,
      serviceLevelSeconds: 20,
    });
    expect(rows.quality).toEqual({ measured: 2, poor: 1 });
  });
});
