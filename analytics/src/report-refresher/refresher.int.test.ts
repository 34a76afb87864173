// The report refresher as npm start runs it: its own process, as the host's refresher identity
// beside a migrator. Events land through the services' writer; the refresher brings the funnel
// and last-touch ROI precomputes up to date (no stale lead left, reports equal the reference);
// only it may write those tables; health, keyed metrics, SIGTERM exits 0.
import path from "node:path";
import {
  type ClickHouseHost,
  freePort,
  type ManagedProcess,
  repoRoot,
  spawnManaged,
  startClickHouseHost,
} from "@cc/infra";
import type { ClickHouseClient } from "@clickhouse/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClickHouse } from "../query/client.ts";
import { funnelReport } from "../reports/funnel.ts";
import { expectedFunnel, expectedRoiByChannel } from "../reports/reference.ts";
import { roiReport } from "../reports/roi.ts";
import { buildScenario } from "../reports/scenario.ts";
import { migrate } from "../schema/migrate.ts";
import { insertEvents } from "../testing/seed.ts";

const KEY = "refresher-test-metrics-key";
const DAY = 86_400_000;
let host: ClickHouseHost;
let sink: ClickHouseClient;
let refresherClient: ClickHouseClient;
let analyst: ClickHouseClient;
let refresher: ManagedProcess | undefined;
let port = 0;
const sc = buildScenario({ seed: 31, leads: 60 });
const org = sc.orgId;

beforeAll(async () => {
  host = await startClickHouseHost({ separateMigrator: true });
  const migrator = createClickHouse({ url: host.url, ...host.migrator });
  await migrate(migrator);
  await migrator.close();
  sink = createClickHouse({ url: host.url, ...host.writer });
  refresherClient = createClickHouse({ url: host.url, ...host.refresher });
  analyst = createClickHouse({ url: host.url, ...host.analyst });
  port = await freePort();
});

afterAll(async () => {
  await refresher?.stop();
  await sink?.close();
  await refresherClient?.close();
  await analyst?.close();
  await host?.stop();
});

async function count(query: string): Promise<number> {
  const rs = await analyst.query({ query, query_params: { org }, format: "JSONEachRow" });
  return Number(((await rs.json()) as { n: string }[])[0]?.n);
}

/** Rows stored after the org's last refresh mark (every row when never refreshed). */
const staleRows = async () =>
  (await count(`SELECT count() AS n FROM report_lead_steps WHERE org_id = {org:String}
      AND _block_number > (SELECT max(through_block) FROM report_funnel_refreshes WHERE org_id = {org:String})`)) +
  (await count(`SELECT count() AS n FROM report_touches WHERE org_id = {org:String}
      AND _block_number > (SELECT max(touches_block) FROM report_roi_refreshes WHERE org_id = {org:String})`)) +
  (await count(`SELECT count() AS n FROM report_conversions WHERE org_id = {org:String}
      AND _block_number > (SELECT max(conversions_block) FROM report_roi_refreshes WHERE org_id = {org:String})`));

async function untilCurrent(ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while ((await staleRows()) > 0) {
    if (Date.now() > deadline)
      throw new Error(`precomputes not current after ${ms} ms\n${refresher?.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function chError(p: Promise<unknown>): Promise<{ type?: string; code?: string }> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e as { type?: string; code?: string },
  );
  expect(err, "expected a refusal").toBeDefined();
  return err ?? {};
}

/** Funnel and last-touch ROI from the precompute (no stale lead), equal to the reference. */
async function expectReportsCurrent(events = sc.events): Promise<void> {
  const range = { from: sc.from, to: sc.to };
  const funnel = await funnelReport(analyst, { orgId: org }, { ...range, windowSeconds: 2 * 86_400 });
  expect(funnel.sql.query).toContain("report_funnel_leads");
  expect(funnel.total.steps.map((s) => s.count)).toEqual(
    expectedFunnel(events, { ...range, windowMs: 2 * DAY, talkS: 60 }).get("total"),
  );
  const roi = await roiReport(analyst, { orgId: org }, { ...range, lookbackDays: 1 });
  expect(roi.sql.query).toContain("report_roi_last_touch");
  const expected = expectedRoiByChannel(events, { ...range, lookbackMs: DAY, model: "last_touch" });
  for (const row of roi.rows) {
    const e = expected.get(row.key);
    expect([row.key, row.calls, row.orders, row.revenue_minor]).toEqual([
      row.key,
      e?.calls,
      e?.orders,
      e?.revenue,
    ]);
  }
  expect(roi.total.calls).toBeGreaterThan(0);
}

describe("report refresher service (analytics/src/report-refresher/main.ts)", () => {
  it("keeps the funnel and ROI precomputes current as events land, as the only identity writing them", async () => {
    const cut = Date.parse(sc.from) + 2 * DAY;
    const early = sc.events.filter((e) => Date.parse(e.occurred_at) < cut);
    const late = sc.events.filter((e) => Date.parse(e.occurred_at) >= cut);
    await insertEvents(sink, early);
    expect(await staleRows()).toBeGreaterThan(0);

    refresher = await spawnManaged({
      name: "report-refresher",
      command: process.execPath,
      args: [path.join(repoRoot, "analytics/src/report-refresher/main.ts")],
      env: {
        ...process.env,
        CLICKHOUSE_URL: host.url,
        CLICKHOUSE_USER: host.refresher.username,
        CLICKHOUSE_PASSWORD: host.refresher.password,
        REPORT_REFRESH_INTERVAL_MS: "1000",
        REPORT_REFRESHER_HTTP_PORT: String(port),
        METRICS_API_KEY: KEY,
        LOG_LEVEL: "info",
      },
      ready: async () => (await fetch(`http://127.0.0.1:${port}/health`)).ok,
    });
    await untilCurrent();
    await expectReportsCurrent(early);

    // The floor goes on: new calls, orders and touches land through the sink.
    const roiRowsBefore = await count(
      "SELECT count() AS n FROM report_roi_last_touch FINAL WHERE org_id = {org:String}",
    );
    await insertEvents(sink, late);
    await untilCurrent();
    expect(
      await count("SELECT count() AS n FROM report_roi_last_touch FINAL WHERE org_id = {org:String}"),
    ).toBeGreaterThan(roiRowsBefore);
    await expectReportsCurrent();
    expect(refresher.output()).toContain("report precompute refreshed");

    // Only the refresher writes the precomputes; it writes nothing else and changes no schema.
    for (const table of [
      "report_funnel_leads",
      "report_funnel_refreshes",
      "report_roi_last_touch",
      "report_roi_refreshes",
    ]) {
      const denied = await chError(
        sink.command({ query: `INSERT INTO ${table} SELECT * FROM ${table} LIMIT 1` }),
      );
      expect({ table, type: denied.type }).toEqual({ table, type: "ACCESS_DENIED" });
    }
    expect(
      (await chError(refresherClient.command({ query: "INSERT INTO events SELECT * FROM events LIMIT 1" })))
        .type,
    ).toBe("ACCESS_DENIED");
    expect((await chError(refresherClient.command({ query: "DROP TABLE report_roi_last_touch" }))).code).toBe(
      "392",
    );
    expect(
      (await chError(refresherClient.command({ query: "TRUNCATE TABLE report_funnel_leads" }))).code,
    ).toBe("392");

    const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ ok: true, clickhouse: true, failures: 0 });
    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(401);
    const metrics = await (
      await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${KEY}` } })
    ).text();
    expect(metrics).toMatch(/report_refresh_rows_total\{report="funnel"\} [1-9]/);
    expect(metrics).toMatch(/report_refresh_rows_total\{report="roi"\} [1-9]/);
    expect(metrics).toMatch(/report_refresh_duration_seconds_count\{report="roi"\} [1-9]/);

    refresher.kill("SIGTERM");
    expect(await refresher.exited).toBe(0);
  }, 240_000);
});
