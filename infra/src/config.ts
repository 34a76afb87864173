import { existsSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { repoRoot } from "./launchers/clickhouse.ts";

const Port = z.coerce.number().int().min(1).max(65_535);
const Flag = z
  .enum(["1", "0", "true", "false", "yes", "no"])
  .transform((v) => v === "1" || v === "true" || v === "yes");

/**
 * Everything `npm start` needs, from the environment or `.env`. Setting NATS_URL, REDIS_URL or
 * CLICKHOUSE_URL points the stack at servers elsewhere instead of starting local ones.
 */
export const StackEnv = z.object({
  CC_DATA_DIR: z.string().default(path.join(repoRoot, ".data")),
  CC_ORG_ID: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .default("demo"),
  NATS_URL: z.url({ protocol: /^(nats|tls)$/ }).optional(),
  NATS_PORT: Port.default(4222),
  NATS_MONITOR_PORT: Port.default(8222),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  REDIS_PORT: Port.default(6379),
  CLICKHOUSE_URL: z.url({ protocol: /^https?$/ }).optional(),
  CLICKHOUSE_PORT: Port.default(8123),
  CLICKHOUSE_USER: z.string().optional(),
  CLICKHOUSE_PASSWORD: z.string().optional(),
  CLICKHOUSE_ANALYST_USER: z.string().optional(),
  CLICKHOUSE_ANALYST_PASSWORD: z.string().optional(),
  /** DDL for the migrate step on an external server (default: CLICKHOUSE_USER). */
  CLICKHOUSE_MIGRATOR_USER: z.string().optional(),
  CLICKHOUSE_MIGRATOR_PASSWORD: z.string().optional(),
  /** drachtio-server elsewhere: DRACHTIO_HOST + DRACHTIO_ADMIN_PORT + DRACHTIO_SECRET (not started locally). */
  DRACHTIO_HOST: z.string().optional(),
  DRACHTIO_SECRET: z.string().optional(),
  DRACHTIO_ADMIN_PORT: Port.default(9022),
  DRACHTIO_SIP_PORT: Port.default(5070),
  /** SIP over WebSocket for the console's softphone. */
  DRACHTIO_WS_PORT: Port.default(5071),
  /** rtpengine elsewhere: RTPENGINE_HOST + RTPENGINE_NG_PORT (not started locally). */
  RTPENGINE_HOST: z.string().optional(),
  RTPENGINE_NG_PORT: Port.default(22222),
  /** First of the 2000 UDP ports rtpengine relays media on. */
  RTPENGINE_PORT_MIN: Port.default(40000),
  MEDIA_HTTP_PORT: Port.default(9467),
  /** Carrier trunks (JSON list, see media/README.md); the simulated carrier is added for the demo. */
  MEDIA_TRUNKS: z.string().default("[]"),
  /** Campaigns (JSON list, see pacing/README.md); the demo campaign is added when DEMO_CAMPAIGN is on. */
  CC_CAMPAIGNS: z.string().default("[]"),
  INTAKE_PORT: Port.default(8080),
  SINK_HTTP_PORT: Port.default(9464),
  PACING_HTTP_PORT: Port.default(9465),
  DEMO_HTTP_PORT: Port.default(9466),
  PROJECTOR_HTTP_PORT: Port.default(9468),
  /** The customers service (10:00 hold releases, reminders, the customer event relay). */
  CUSTOMERS_HTTP_PORT: Port.default(9469),
  /** The report refresher (the funnel's and ROI's precomputes; REPORT_REFRESH_INTERVAL_MS, default 60 s). */
  REPORT_REFRESHER_HTTP_PORT: Port.default(9470),
  DASHBOARD_PORT: Port.default(3000),
  /** The simulated campaign: leads, SIP agents and a SIPp carrier, dialed for real. */
  DEMO_CAMPAIGN: Flag.default(true),
  DEMO_AGENTS: z.coerce.number().int().min(1).max(100).default(8),
  /** A month of generated history for the reports on the first start with the demo (org "demo" only). */
  DEMO_HISTORY: Flag.default(true),
  /** How long the simulated carrier's people talk once bridged, "min-max" seconds. */
  DEMO_TALK_SECONDS: z
    .string()
    .regex(/^\d+-\d+$/, 'must be "min-max" seconds, e.g. "20-120"')
    .default("20-120")
    .transform((s) => s.split("-").map(Number) as [number, number])
    .refine(([lo, hi]) => lo >= 1 && lo <= hi, "min must be ≥ 1 and ≤ max"),
  LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error"]).default("info"),
  /** The terminal's log lines: pretty (default in a terminal) or json (default otherwise). */
  LOG_FORMAT: z.enum(["pretty", "json"]).optional(),
});
export type StackConfig = z.infer<typeof StackEnv>;

export class ConfigError extends Error {
  override name = "ConfigError";
  readonly code = "BAD_CONFIG";
}

/** Reads `.env` (if present) under the environment, then validates. */
export function loadStackConfig(env: NodeJS.ProcessEnv = process.env): StackConfig {
  const envFile = path.join(repoRoot, ".env");
  if (env === process.env && existsSync(envFile)) process.loadEnvFile(envFile);
  const r = StackEnv.safeParse(env);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`invalid configuration (environment or .env):\n${lines.join("\n")}`);
  }
  return r.data;
}
