import { z } from "zod";
import { ApiKeysJson } from "../http/auth.ts";

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** Sink configuration from the environment; every variable has a default fit for `npm start`. */
export const SinkEnv = z.object({
  NATS_URL: z.url().default("nats://127.0.0.1:4222"),
  CLICKHOUSE_URL: z.url().default("http://127.0.0.1:8123"),
  CLICKHOUSE_USER: z.string().min(1).default("default"),
  CLICKHOUSE_PASSWORD: z.string().default(""),
  CLICKHOUSE_DATABASE: z.string().min(1).default("default"),
  /** 0 picks a free port (tests). */
  SINK_HTTP_PORT: int(0, 65_535).default(9464),
  SINK_HTTP_HOST: z.string().default("127.0.0.1"),
  /**
   * A cap, not a target: batches are cut at SINK_BATCH_MS too, so they grow only while an insert
   * is slower than arrivals. Every INSERT pays a fixed cost per materialized view (a new part in
   * each target table): bench ingest measured ~2× less ClickHouse CPU per row at 50k than at 10k.
   */
  SINK_BATCH_SIZE: int(1, 200_000).default(50_000),
  SINK_BATCH_MS: int(1, 60_000).default(250),
  /** INSERT body format: RowBinary (binary, no text parsing in ClickHouse) or JSONEachRow (readable, slower). */
  SINK_INSERT_FORMAT: z.enum(["RowBinary", "JSONEachRow"]).default("RowBinary"),
  SINK_DURABLE: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default("cc-sink-clickhouse"),
  /** Long enough that an insert always finishes first; held messages are kept alive with working(). */
  SINK_ACK_WAIT_MS: int(1_000, 3_600_000).default(30_000),
  SINK_INSERT_TIMEOUT_MS: int(1_000, 3_600_000).default(20_000),
  SINK_BACKOFF_MIN_MS: int(1, 60_000).default(100),
  SINK_BACKOFF_MAX_MS: int(1, 600_000).default(10_000),
  /** Also check first deliveries against ClickHouse (catches publisher retries older than the duplicate window). */
  SINK_CHECK_ALL: z
    .enum(["true", "false", "1", "0"])
    .default("false")
    .transform((v) => v === "true" || v === "1"),
  /** Fault injection for crash tests: wait this long between a successful insert and the acks. */
  SINK_FAULT_ACK_DELAY_MS: int(0, 60_000).default(0),
  NATS_DUPLICATE_WINDOW_MS: int(1_000, 7 * 86_400_000).default(10 * 60_000),
  NATS_EVENTS_MAX_AGE_MS: int(0, 3_650 * 86_400_000).default(7 * 86_400_000),
  /** Who may read /metrics: one key (as `npm start` passes it) and/or a JSON list of keys. */
  METRICS_API_KEY: z.string().min(16).optional(),
  METRICS_API_KEYS: ApiKeysJson.default([]),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export interface SinkConfig {
  natsUrl: string;
  clickhouse: { url: string; username: string; password: string; database: string };
  http: { port: number; host: string };
  batchSize: number;
  batchMs: number;
  /** INSERT body format; RowBinary unless set. */
  insertFormat?: "RowBinary" | "JSONEachRow";
  durable: string;
  ackWaitMs: number;
  insertTimeoutMs: number;
  backoff: { minMs: number; maxMs: number };
  checkAllBatches: boolean;
  /** Fault injection (crash tests): delay between insert and ack, widening the kill window. */
  faultAckDelayMs?: number;
  streams: { duplicateWindowMs: number; maxAgeMs: number };
  metricsApiKeys: z.infer<typeof ApiKeysJson>;
  logLevel: string;
}

export function sinkConfigFromEnv(env: NodeJS.ProcessEnv = process.env): SinkConfig {
  const r = SinkEnv.safeParse(env);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`invalid sink configuration:\n${lines.join("\n")}`);
  }
  const e = r.data;
  return {
    natsUrl: e.NATS_URL,
    clickhouse: {
      url: e.CLICKHOUSE_URL,
      username: e.CLICKHOUSE_USER,
      password: e.CLICKHOUSE_PASSWORD,
      database: e.CLICKHOUSE_DATABASE,
    },
    http: { port: e.SINK_HTTP_PORT, host: e.SINK_HTTP_HOST },
    batchSize: e.SINK_BATCH_SIZE,
    batchMs: e.SINK_BATCH_MS,
    insertFormat: e.SINK_INSERT_FORMAT,
    durable: e.SINK_DURABLE,
    ackWaitMs: e.SINK_ACK_WAIT_MS,
    insertTimeoutMs: Math.min(e.SINK_INSERT_TIMEOUT_MS, e.SINK_ACK_WAIT_MS),
    backoff: { minMs: e.SINK_BACKOFF_MIN_MS, maxMs: Math.max(e.SINK_BACKOFF_MIN_MS, e.SINK_BACKOFF_MAX_MS) },
    checkAllBatches: e.SINK_CHECK_ALL,
    faultAckDelayMs: e.SINK_FAULT_ACK_DELAY_MS,
    streams: { duplicateWindowMs: e.NATS_DUPLICATE_WINDOW_MS, maxAgeMs: e.NATS_EVENTS_MAX_AGE_MS },
    metricsApiKeys: [
      ...e.METRICS_API_KEYS,
      ...(e.METRICS_API_KEY ? [{ name: "metrics", key: e.METRICS_API_KEY }] : []),
    ],
    logLevel: e.LOG_LEVEL,
  };
}
