import { type ClickHouseHost, startClickHouseHost } from "@cc/infra";
import type { CallCenterEvent } from "@cc/ingest";
import { type ClickHouseClient, createClient } from "@clickhouse/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../schema/migrate.ts";
import { insertEvents } from "../testing/seed.ts";
import { runReport } from "./query.ts";
import { expectedRoiByChannel } from "./reference.ts";
import { type RoiGroupBy, type RoiParams, RoiRow, roiReport, roiSql } from "./roi.ts";
import { refreshRoiLastTouch } from "./roi-last-touch.ts";
import { buildScenario, type Scenario } from "./scenario.ts";
import type { VisibilityScope } from "./scope.ts";

let host: ClickHouseHost;
let writer: ClickHouseClient;
let analyst: ClickHouseClient;
let sc: Scenario;
const DAY = 86_400_000;
const HOUR = 3_600_000;

beforeAll(async () => {
  host = await startClickHouseHost();
  writer = createClient({ url: host.url, ...host.writer });
  analyst = createClient({ url: host.url, ...host.analyst });
  await migrate(writer);
  sc = buildScenario({ seed: 23, leads: 150 });
});

afterAll(async () => {
  await writer?.close();
  await analyst?.close();
  await host?.stop();
});

const shift = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();
const FIGURES = ["spend_minor", "leads", "calls", "orders", "order_value_minor", "revenue_minor"] as const;

function byKey(rows: RoiRow[]): Map<string, number[]> {
  return new Map(rows.map((r) => [r.key, FIGURES.map((f) => Math.round(r[f] * 1e6) / 1e6)]));
}

/** The join query, never the precompute: what the report answered before migration 171. */
async function joinQuery(scope: VisibilityScope, params: RoiParams) {
  return byKey((await runReport(analyst, roiSql(scope, params, { precomputed: false }), RoiRow)).rows);
}

/** Last-touch ROI through roiReport equals the join query for every range × look-back × grouping. */
async function expectSameAsJoin(label: string, expectPrecompute: boolean): Promise<void> {
  const ranges = [
    { from: sc.from, to: sc.to },
    // Cuts through leads' lives: touches before `from` still attribute within the look-back.
    { from: shift(sc.from, 9 * HOUR), to: shift(sc.from, DAY + 5 * HOUR) },
  ];
  const scopes: VisibilityScope[] = [{ orgId: sc.orgId }, { orgId: sc.orgId, campaignIds: ["camp-a"] }];
  // Per range two groupings: one by the touch's ad, one by its time (time zone applied).
  const groupings: RoiGroupBy[][] = [
    ["channel", "day"],
    ["ad", "heatmap"],
  ];
  // A half-hour zone: local hours and days start at :30 UTC (the precompute sums quarter hours).
  const zones = ["Asia/Shanghai", "Asia/Kolkata"];
  for (const [ri, range] of ranges.entries()) {
    // 1 s and 10 min split a lead's touches (second touches come up to 4 h later); 30 d keeps all.
    for (const lookbackDays of [1 / 86_400, 600 / 86_400, 1, 30]) {
      for (const [i, groupBy] of (groupings[ri] ?? []).entries()) {
        const scope = scopes[i % scopes.length] as VisibilityScope;
        const params = { ...range, lookbackDays, groupBy, timeZone: zones[ri] };
        const r = await roiReport(analyst, scope, params);
        expect(r.sql.query.includes("report_roi_last_touch"), `${label}: precompute read`).toBe(
          expectPrecompute,
        );
        expect(
          byKey(r.rows),
          `${label} ${range.from}–${range.to} look-back ${lookbackDays} d by ${groupBy}`,
        ).toEqual(await joinQuery(scope, params));
      }
    }
  }
}

async function precomputedRows(): Promise<number> {
  const rs = await analyst.query({
    query: "SELECT count() AS n FROM report_roi_last_touch FINAL",
    format: "JSONEachRow",
  });
  return Number(((await rs.json()) as { n: string }[])[0]?.n);
}

describe("last-touch ROI precompute (report_roi_last_touch)", () => {
  it("equals the join query before, between and after refreshes, also with touches stored late", async () => {
    const cut = Date.parse(sc.from) + DAY;
    const isTouch = (e: CallCenterEvent) => e.kind === "lead.created";
    // Every third touch is held back and stored after the first refresh, although it happened
    // before conversions that are precomputed by then: their last touch changes.
    const heldBack = sc.events.filter((e, i) => isTouch(e) && i % 3 === 0);
    const held = new Set(heldBack.map((e) => e.id));
    const early = sc.events.filter((e) => !held.has(e.id) && Date.parse(e.occurred_at) < cut);
    const late = sc.events.filter((e) => !held.has(e.id) && Date.parse(e.occurred_at) >= cut);
    expect(heldBack.length).toBeGreaterThan(10);
    expect(late.length).toBeGreaterThan(0);
    await insertEvents(writer, early);
    await expectSameAsJoin("never refreshed", false);

    const first = await refreshRoiLastTouch(writer);
    expect(first.recomputed).toBe(true);
    const afterFirst = await precomputedRows();
    expect(afterFirst).toBeGreaterThan(0);
    await expectSameAsJoin("refreshed once", true);

    // Late touches and the rest of the week arrive: those leads are stale until refreshed.
    await insertEvents(writer, heldBack);
    await insertEvents(writer, late);
    await expectSameAsJoin("stale", true);

    const second = await refreshRoiLastTouch(writer, 3);
    expect(second.conversionsBlock).toBeGreaterThan(first.conversionsBlock);
    expect(second.touchesBlock).toBeGreaterThan(first.touchesBlock);
    expect(await precomputedRows()).toBeGreaterThan(afterFirst);
    await expectSameAsJoin("refreshed again", true);

    // The independent reference agrees too (by channel, the full range).
    for (const lookbackDays of [1 / 86_400, 1 / 24, 3]) {
      const expected = expectedRoiByChannel(sc.events, {
        from: sc.from,
        to: sc.to,
        lookbackMs: lookbackDays * DAY,
        model: "last_touch",
      });
      const r = await roiReport(analyst, { orgId: sc.orgId }, { from: sc.from, to: sc.to, lookbackDays });
      for (const row of r.rows) {
        const e = expected.get(row.key);
        expect([row.calls, row.orders, row.order_value_minor, row.revenue_minor]).toEqual([
          e?.calls,
          e?.orders,
          e?.orderValue,
          e?.revenue,
        ]);
      }
    }

    // Nothing new: a no-op.
    expect(await refreshRoiLastTouch(writer)).toEqual({ ...second, recomputed: false });
  }, 600_000);
});
