import { type ClickHouseHost, startClickHouseHost } from "@cc/infra";
import { type ClickHouseClient, createClient } from "@clickhouse/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../schema/migrate.ts";
import { insertEvents } from "../testing/seed.ts";
import { funnelReport } from "./funnel.ts";
import { refreshFunnelLeads } from "./funnel-leads.ts";
import { expectedFunnel } from "./reference.ts";
import { buildScenario, type Scenario } from "./scenario.ts";

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
  sc = buildScenario({ seed: 11, leads: 150 });
});

afterAll(async () => {
  await writer?.close();
  await analyst?.close();
  await host?.stop();
});

const shift = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

/** Every range/window/breakdown the precompute serves, against the independent reference. */
async function expectExact(label: string, events = sc.events): Promise<void> {
  const ranges = [
    { from: sc.from, to: sc.to },
    // Cuts through leads' lives on both sides: boundary leads take windowFunnel.
    { from: shift(sc.from, DAY + 5 * HOUR), to: shift(sc.from, 3 * DAY + 7 * HOUR) },
  ];
  for (const range of ranges) {
    // Short windows split leads between steps minutes apart; long ones span days.
    for (const windowMs of [60_000, 100_000, HOUR, 2 * DAY, 30 * DAY]) {
      const expected = expectedFunnel(events, { ...range, windowMs, talkS: 60 });
      const r = await funnelReport(
        analyst,
        { orgId: sc.orgId },
        { ...range, windowSeconds: windowMs / 1000, talkThresholdS: 60, breakdown: "campaign" },
      );
      const got = new Map(
        r.rows.map((row) => [row.key, [row.s1, row.s2, row.s3, row.s4, row.s5, row.s6, row.s7, row.s8]]),
      );
      expected.delete("total");
      expect(got, `${label} ${range.from}–${range.to} window ${windowMs}`).toEqual(expected);
    }
  }
}

describe("funnel precompute (report_funnel_leads)", () => {
  it("stays exact before, between and after refreshes, with steps stored after a refresh", async () => {
    const cut = Date.parse(sc.from) + 2 * DAY;
    const early = sc.events.filter((e) => Date.parse(e.occurred_at) < cut);
    const late = sc.events.filter((e) => Date.parse(e.occurred_at) >= cut);
    expect(early.length).toBeGreaterThan(0);
    expect(late.length).toBeGreaterThan(0);
    await insertEvents(writer, early);
    // Never refreshed: windowFunnel for every lead.
    await expectExact("never refreshed", early);
    const first = await refreshFunnelLeads(writer);
    expect(first.throughBlock).toBeGreaterThan(0);
    const rows = await analyst.query({
      query: "SELECT count() AS n FROM report_funnel_leads FINAL",
      format: "JSONEachRow",
    });
    expect(Number(((await rows.json()) as { n: string }[])[0]?.n)).toBeGreaterThan(0);
    // Later steps of already-precomputed leads arrive: those leads are stale until refreshed.
    await insertEvents(writer, late);
    await expectExact("stale");
    const second = await refreshFunnelLeads(writer, 3);
    expect(second.sinceBlock).toBe(first.throughBlock);
    expect(second.throughBlock).toBeGreaterThan(first.throughBlock);
    await expectExact("refreshed");
    // Nothing new: a no-op.
    expect(await refreshFunnelLeads(writer)).toEqual({
      throughBlock: second.throughBlock,
      sinceBlock: second.throughBlock,
    });
  });
});
