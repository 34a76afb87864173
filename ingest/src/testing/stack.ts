import { readFile } from "node:fs/promises";
import path from "node:path";
import {
  type ClickHouseHost,
  freePort,
  type ManagedProcess,
  type NatsServer,
  repoRoot,
  spawnManaged,
  startClickHouseHost,
  startNats,
} from "@cc/infra";
import { type ClickHouseClient, createClient } from "@clickhouse/client";
import type { SinkConfig } from "../sink/config.ts";

/** Applies the migrations through @cc/analytics' `migrate` when it exists, else the raw events table. */
export async function migrateForTests(ch: ClickHouseClient): Promise<void> {
  const specifier = "@cc/analytics";
  const analytics = (await import(specifier).catch(() => ({}))) as {
    migrate?: (client: ClickHouseClient) => Promise<unknown>;
  };
  if (typeof analytics.migrate === "function") {
    await analytics.migrate(ch);
    return;
  }
  const sql = await readFile(path.join(repoRoot, "analytics/migrations/001_events.sql"), "utf8");
  const stmt = sql
    .split("\n")
    .filter((l) => !l.trimStart().startsWith("--"))
    .join("\n")
    .replace(/;\s*$/, "");
  await ch.command({ query: stmt });
}

export function writerClient(host: ClickHouseHost): ClickHouseClient {
  return createClient({ url: host.url, username: host.writer.username, password: host.writer.password });
}

export function sinkConfigFor(
  natsUrl: string,
  host: Pick<ClickHouseHost, "url" | "writer">,
  over: Partial<SinkConfig> = {},
): SinkConfig {
  return {
    natsUrl,
    clickhouse: {
      url: host.url,
      username: host.writer.username,
      password: host.writer.password,
      database: "default",
    },
    http: { port: 0, host: "127.0.0.1" },
    batchSize: 2_000,
    batchMs: 50,
    durable: "cc-sink-test",
    ackWaitMs: 30_000,
    insertTimeoutMs: 10_000,
    backoff: { minMs: 50, maxMs: 500 },
    checkAllBatches: false,
    streams: { duplicateWindowMs: 600_000, maxAgeMs: 0 },
    metricsApiKeys: [{ name: "test", key: "metrics-key-for-tests-0001" }],
    logLevel: "warn",
    ...over,
  };
}

/** Env for `node ingest/src/sink/main.ts`, the way `npm start` runs it. */
export function sinkEnvFor(cfg: SinkConfig): Record<string, string> {
  return {
    NATS_URL: cfg.natsUrl,
    CLICKHOUSE_URL: cfg.clickhouse.url,
    CLICKHOUSE_USER: cfg.clickhouse.username,
    CLICKHOUSE_PASSWORD: cfg.clickhouse.password,
    SINK_HTTP_PORT: String(cfg.http.port),
    SINK_BATCH_SIZE: String(cfg.batchSize),
    SINK_BATCH_MS: String(cfg.batchMs),
    SINK_INSERT_FORMAT: cfg.insertFormat ?? "RowBinary",
    SINK_DURABLE: cfg.durable,
    SINK_ACK_WAIT_MS: String(cfg.ackWaitMs),
    SINK_INSERT_TIMEOUT_MS: String(cfg.insertTimeoutMs),
    SINK_BACKOFF_MIN_MS: String(cfg.backoff.minMs),
    SINK_BACKOFF_MAX_MS: String(cfg.backoff.maxMs),
    METRICS_API_KEYS: JSON.stringify(cfg.metricsApiKeys),
    LOG_LEVEL: cfg.logLevel,
    SINK_FAULT_ACK_DELAY_MS: String(cfg.faultAckDelayMs ?? 0),
  };
}

/** Spawns the sink as its own process; ready once /health reports NATS and ClickHouse up. */
export async function spawnSink(
  cfg: SinkConfig,
  extraEnv: Record<string, string> = {},
): Promise<ManagedProcess> {
  const port = cfg.http.port === 0 ? await freePort() : cfg.http.port;
  return await spawnManaged({
    name: "sink",
    command: process.execPath,
    args: [path.join(repoRoot, "ingest/src/sink/main.ts")],
    env: { ...process.env, ...sinkEnvFor({ ...cfg, http: { ...cfg.http, port } }), ...extraEnv },
    ready: async () => (await fetch(`http://127.0.0.1:${port}/health`)).ok,
    readyTimeoutMs: 30_000,
  });
}

export interface TestStack extends AsyncDisposable {
  nats: NatsServer;
  host: ClickHouseHost;
  ch: ClickHouseClient;
  stop(): Promise<void>;
}

export async function startTestStack(): Promise<TestStack> {
  const nats = await startNats();
  const host = await startClickHouseHost().catch(async (err: unknown) => {
    await nats.stop();
    throw err;
  });
  const ch = writerClient(host);
  await migrateForTests(ch);
  await createInsertAudit(ch);
  const stop = async () => {
    await ch.close();
    await host.stop();
    await nats.stop();
  };
  return { nats, host, ch, stop, [Symbol.asyncDispose]: stop };
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T>,
  done: (v: T) => boolean,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await probe();
    if (done(last)) return last;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last value ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * `events` is a ReplacingMergeTree: background merges fold duplicate rows together, so
 * count() alone can hide a duplicate insert. This audit table (plain MergeTree fed by a
 * materialized view) keeps one row per row ever written to `events`. Like every MV target over
 * `events` should, it has its own deduplication window: a retried insert that ClickHouse dropped
 * from `events` by its dedup token is dropped here too (the MV still sees the block otherwise).
 */
export async function createInsertAudit(ch: ClickHouseClient): Promise<void> {
  await ch.command({
    query: `CREATE TABLE IF NOT EXISTS events_insert_audit (event_id UUID, stream_seq UInt64)
            ENGINE = MergeTree ORDER BY tuple() SETTINGS non_replicated_deduplication_window = 1000`,
  });
  await ch.command({
    query: `CREATE MATERIALIZED VIEW IF NOT EXISTS events_insert_audit_mv TO events_insert_audit
            AS SELECT event_id, stream_seq FROM events`,
  });
}

/** Rows ever written (from the audit) and distinct event ids; equal when nothing was duplicated. */
export async function countInserted(ch: ClickHouseClient): Promise<{ rows: number; ids: number }> {
  const rs = await ch.query({
    query: "SELECT count() AS rows, uniqExact(event_id) AS ids FROM events_insert_audit",
    format: "JSONEachRow",
  });
  const [r] = await rs.json<{ rows: string; ids: string }>();
  return { rows: Number(r?.rows ?? 0), ids: Number(r?.ids ?? 0) };
}

export async function countEvents(ch: ClickHouseClient): Promise<{ rows: number; ids: number }> {
  const rs = await ch.query({
    query: "SELECT count() AS rows, uniqExact(event_id) AS ids FROM events",
    format: "JSONEachRow",
  });
  const [r] = await rs.json<{ rows: string; ids: string }>();
  return { rows: Number(r?.rows ?? 0), ids: Number(r?.ids ?? 0) };
}
