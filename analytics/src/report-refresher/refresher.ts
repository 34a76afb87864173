// Keeps the reports' precomputes current on a live floor: every interval, the funnel's per-lead
// rows (report_funnel_leads) and last-touch ROI's per-conversion rows (report_roi_last_touch)
// are recomputed for the leads stored to since the last refresh. Reports stay exact without it
// (stale leads run the full queries), only slower: this is what makes them fast.
import type { ClickHouseClient } from "@clickhouse/client";
import type { Logger } from "pino";
import client from "prom-client";
import { z } from "zod";
import { refreshFunnelLeads } from "../reports/funnel-leads.ts";
import { Count } from "../reports/query.ts";
import { refreshRoiLastTouch } from "../reports/roi-last-touch.ts";

export const REPORTS = ["funnel", "roi"] as const;
export type RefreshedReport = (typeof REPORTS)[number];

export interface RefreshOutcome {
  report: RefreshedReport;
  /** Leads recomputed (funnel) or conversions written (ROI: new or last touch moved); 0: nothing stored since. */
  rows: number;
  seconds: number;
}

const N = z.object({ n: Count });

async function count(ch: ClickHouseClient, query: string, params: Record<string, unknown>): Promise<number> {
  const rs = await ch.query({ query, query_params: params, format: "JSONEachRow" });
  return z.array(N).parse(await rs.json())[0]?.n ?? 0;
}

/** Whether a refresh of this report ever completed (the first one recomputes every lead). */
async function everRefreshed(ch: ClickHouseClient, report: RefreshedReport): Promise<boolean> {
  const table = report === "funnel" ? "report_funnel_refreshes" : "report_roi_refreshes";
  return (await count(ch, `SELECT count() AS n FROM ${table}`, {})) > 0;
}

/** One refresh of one report; rows = what this refresh wrote (its version / block mark). */
async function refreshOne(
  ch: ClickHouseClient,
  report: RefreshedReport,
  fullSlices: number,
): Promise<number> {
  // Slices bound memory when every lead is recomputed; an incremental refresh is small.
  const slices = (await everRefreshed(ch, report)) ? 1 : fullSlices;
  if (report === "funnel") {
    const r = await refreshFunnelLeads(ch, slices);
    if (r.throughBlock === r.sinceBlock) return 0;
    return count(ch, "SELECT count() AS n FROM report_funnel_leads WHERE through_block = {b:UInt64}", {
      b: r.throughBlock,
    });
  }
  const r = await refreshRoiLastTouch(ch, slices);
  if (!r.recomputed) return 0;
  return count(ch, "SELECT count() AS n FROM report_roi_last_touch WHERE version = {v:UInt64}", {
    v: r.touchesBlock + r.conversionsBlock,
  });
}

export interface RefresherMetrics {
  registry: client.Registry;
  observe(o: RefreshOutcome): void;
  failed(report: RefreshedReport): void;
}

export function refresherMetrics(registry = new client.Registry()): RefresherMetrics {
  const seconds = new client.Histogram({
    name: "report_refresh_duration_seconds",
    help: "Time one refresh of a report's precompute took",
    labelNames: ["report"],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 180],
    registers: [registry],
  });
  const rows = new client.Counter({
    name: "report_refresh_rows_total",
    help: "Leads recomputed (funnel) and conversions written, new or with a moved last touch (roi), by refreshes",
    labelNames: ["report"],
    registers: [registry],
  });
  const failures = new client.Counter({
    name: "report_refresh_failures_total",
    help: "Refreshes that failed (the reports stay exact, only slower)",
    labelNames: ["report"],
    registers: [registry],
  });
  const last = new client.Gauge({
    name: "report_refresh_last_success_seconds",
    help: "Unix time of the last successful refresh",
    labelNames: ["report"],
    registers: [registry],
  });
  return {
    registry,
    observe(o) {
      seconds.observe({ report: o.report }, o.seconds);
      rows.inc({ report: o.report }, o.rows);
      last.set({ report: o.report }, Date.now() / 1000);
    },
    failed(report) {
      failures.inc({ report });
    },
  };
}

export interface ReportRefresher {
  /** Runs one refresh of every report now (after the one in flight, if any). */
  runOnce(): Promise<RefreshOutcome[]>;
  stats(): { runs: number; failures: number; lastOutcomes: RefreshOutcome[] };
  stop(): Promise<void>;
}

/**
 * Refreshes every report now and then every `intervalMs`, one run at a time. A failing report
 * is logged and counted; the next tick tries again.
 */
export function startReportRefresher(opts: {
  ch: ClickHouseClient;
  intervalMs: number;
  /** Slices for a first (full) refresh of a big history. */
  fullSlices: number;
  log: Logger;
  metrics: RefresherMetrics;
}): ReportRefresher {
  let runs = 0;
  let failures = 0;
  let lastOutcomes: RefreshOutcome[] = [];
  let chain: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const refreshAll = async (): Promise<RefreshOutcome[]> => {
    const outcomes: RefreshOutcome[] = [];
    for (const report of REPORTS) {
      const started = performance.now();
      try {
        const rows = await refreshOne(opts.ch, report, opts.fullSlices);
        const o = { report, rows, seconds: (performance.now() - started) / 1000 };
        opts.metrics.observe(o);
        outcomes.push(o);
        if (rows > 0) opts.log.info(o, "report precompute refreshed");
      } catch (err) {
        failures++;
        opts.metrics.failed(report);
        opts.log.warn({ err, report }, "report precompute refresh failed");
      }
    }
    runs++;
    lastOutcomes = outcomes;
    return outcomes;
  };
  const runOnce = () => {
    const run = chain.then(refreshAll);
    chain = run.catch(() => undefined);
    return run;
  };
  const tick = () => {
    void runOnce().finally(() => {
      if (!stopped) timer = setTimeout(tick, opts.intervalMs);
    });
  };
  tick();
  return {
    runOnce,
    stats: () => ({ runs, failures, lastOutcomes }),
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await chain;
    },
  };
}
