// Report refresher process: `node analytics/src/report-refresher/main.ts`. Keeps the funnel's and
// last-touch ROI's precomputes current (refresher.ts), /health, /metrics (API key), clean stop on
// SIGTERM/SIGINT. Under npm start it connects as the host's refresher identity (cc_refresher):
// it may insert only into the precompute tables, and the services' writer may not.
import { ApiKeyRing, parseEnv, runService, startOpsServer } from "@cc/ingest";
import client from "prom-client";
import { z } from "zod";
import { createClickHouse } from "../query/client.ts";
import { refresherMetrics, startReportRefresher } from "./refresher.ts";

const RefresherEnv = z.object({
  CLICKHOUSE_URL: z.url().default("http://127.0.0.1:8123"),
  CLICKHOUSE_USER: z.string().min(1).default("default"),
  CLICKHOUSE_PASSWORD: z.string().default(""),
  CC_ORG_ID: z.string().min(1).default("demo"),
  /** How often the precomputes catch up with what was stored since. */
  REPORT_REFRESH_INTERVAL_MS: z.coerce.number().int().min(1000).default(60_000),
  /** Slices of a first, full refresh (bounds memory on a big history). */
  REPORT_REFRESH_FULL_SLICES: z.coerce.number().int().min(1).max(256).default(8),
  /** 0 picks a free port (tests). */
  REPORT_REFRESHER_HTTP_PORT: z.coerce.number().int().min(0).max(65_535).default(9475),
  REPORT_REFRESHER_HTTP_HOST: z.string().default("127.0.0.1"),
  /** Bearer key for /metrics. */
  METRICS_API_KEY: z.string().min(16).optional(),
});

await runService({
  name: "report-refresher",
  loadConfig: () => parseEnv(RefresherEnv),
  start: async (env, log) => {
    // A full refresh of a month of history takes minutes on a busy box.
    const ch = createClickHouse({
      url: env.CLICKHOUSE_URL,
      username: env.CLICKHOUSE_USER,
      password: env.CLICKHOUSE_PASSWORD,
      requestTimeoutMs: 3_600_000,
      application: "cc-report-refresher",
    });
    const registry = new client.Registry();
    client.collectDefaultMetrics({ register: registry });
    const refresher = startReportRefresher({
      ch,
      intervalMs: env.REPORT_REFRESH_INTERVAL_MS,
      fullSlices: env.REPORT_REFRESH_FULL_SLICES,
      log,
      metrics: refresherMetrics(registry),
    });
    const ops = await startOpsServer({
      host: env.REPORT_REFRESHER_HTTP_HOST,
      port: env.REPORT_REFRESHER_HTTP_PORT,
      registry,
      keys: new ApiKeyRing(
        env.METRICS_API_KEY ? [{ key: env.METRICS_API_KEY, org_id: env.CC_ORG_ID, name: "metrics" }] : [],
      ),
      health: async () => {
        const ok = await ch.ping();
        return { ok: ok.success, clickhouse: ok.success, ...refresher.stats() };
      },
    });
    log.info({ port: ops.port, intervalMs: env.REPORT_REFRESH_INTERVAL_MS }, "report refresher up");
    return {
      stop: async () => {
        await ops.close();
        await refresher.stop();
        await ch.close();
      },
    };
  },
});
