// Speed-to-lead on the embedded ClickHouse: lead.created and call.dialing events through the
// migrations, the analysts' speed_to_lead view and the wallboard's 15-minute figures, checked
// against figures computed here by hand.
import { type ClickHouseHost, startClickHouseHost } from "@cc/infra";
import { type CallCenterEvent, makeEvent } from "@cc/ingest";
import { type ClickHouseClient, createClient } from "@clickhouse/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../schema/migrate.ts";
import { insertEvents } from "../testing/seed.ts";
import { runWallboardQueries } from "./wallboard-queries.ts";

const ORG = "acme";
const NOW = Date.parse("2026-11-30T06:00:00.000Z");
const MIN = 60_000;

let host: ClickHouseHost;
let writer: ClickHouseClient;

function lead(id: string, source: "web_form" | "ad" | "import", at: number, org = ORG): CallCenterEvent {
  return makeEvent(
    {
      kind: "lead.created",
      org_id: org,
      lead_id: id,
      source,
      campaign_id: "spring",
      phone: "+8613800138000",
      consent: { given: true, method: "web_form" },
    },
    at,
  );
}

function dialing(id: string, at: number, org = ORG): CallCenterEvent {
  return makeEvent(
    { kind: "call.dialing", org_id: org, attempt_id: `a-${id}-${at}`, campaign_id: "spring", lead_id: id },
    at,
  );
}

// Real-time leads dialed in the last 15 minutes after 1, 2, 3, …, 20 s.
const fast = Array.from({ length: 20 }, (_, i) => ({
  id: `w${i}`,
  at: NOW - 10 * MIN + i * 1000,
  ms: (i + 1) * 1000,
}));

beforeAll(async () => {
  host = await startClickHouseHost();
  writer = createClient({ url: host.url, ...host.writer });
  await migrate(writer);
  await insertEvents(writer, [
    ...fast.flatMap((l) => [
      lead(l.id, "web_form", l.at),
      dialing(l.id, l.at + l.ms),
      dialing(l.id, l.at + 600_000),
    ]),
    // Imported backlog: dialed fast or slow, never speed-to-lead.
    lead("imp1", "import", NOW - 60 * MIN),
    dialing("imp1", NOW - 2 * MIN),
    // Dialed 40 minutes ago: in the view, not in the wallboard's last 15 minutes.
    lead("old", "ad", NOW - 41 * MIN),
    dialing("old", NOW - 40 * MIN),
    // Waiting now (received 3 minutes ago, not dialed).
    lead("wait1", "ad", NOW - 3 * MIN),
    // Another org's lead never counts.
    lead("x1", "web_form", NOW - 5 * MIN, "other"),
    dialing("x1", NOW - 1 * MIN, "other"),
  ]);
}, 120_000);

afterAll(async () => {
  await writer?.close();
  await host?.stop();
});

describe("speed-to-lead", () => {
  it("the view has one row per real-time lead: received → first INVITE, NULL while waiting", async () => {
    const rs = await writer.query({
      query: `SELECT lead_id, source, speed_ms FROM speed_to_lead WHERE org_id = {org:String} ORDER BY lead_id`,
      query_params: { org: ORG },
      format: "JSONEachRow",
    });
    const rows = await rs.json<{ lead_id: string; source: string; speed_ms: number | string | null }>();
    const byId = new Map(rows.map((r) => [r.lead_id, r]));
    expect(rows).toHaveLength(22);
    expect(byId.has("imp1")).toBe(false);
    expect(Number(byId.get("w0")!.speed_ms)).toBe(1000);
    expect(Number(byId.get("w19")!.speed_ms)).toBe(20_000);
    expect(Number(byId.get("old")!.speed_ms)).toBe(60_000);
    expect(byId.get("wait1")!.speed_ms).toBeNull();
  });

  it("the wallboard's figures: leads first dialed in the last 15 minutes, p50/p95, and those waiting", async () => {
    const { rows } = await runWallboardQueries(writer as never, {
      orgId: ORG,
      dayStart: new Date(NOW - 6 * 60 * MIN),
      now: new Date(NOW),
      serviceLevelSeconds: 20,
    });
    // quantileExact of 1..20 s: p50 is the 11th (index floor(0.5·20) = 10), p95 the 20th.
    expect(rows.speedToLead).toEqual({ dialed: 20, p50_ms: 11_000, p95_ms: 20_000, waiting: 1 });
  });
});
