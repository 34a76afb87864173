import { z } from "zod";
import { ApiKeysJson } from "../http/auth.ts";

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const IntakeEnv = z.object({
  NATS_URL: z.url().default("nats://127.0.0.1:4222"),
  /** 0 picks a free port (tests). */
  INTAKE_PORT: int(0, 65_535).default(8080),
  INTAKE_HOST: z.string().default("127.0.0.1"),
  INTAKE_API_KEYS: ApiKeysJson.refine((k) => k.length > 0, "at least one API key is needed"),
  METRICS_API_KEY: z.string().min(16).optional(),
  METRICS_API_KEYS: ApiKeysJson.default([]),
  INTAKE_BODY_LIMIT_BYTES: int(1_024, 64 * 1024 * 1024).default(1024 * 1024),
  INTAKE_MAX_EVENTS: int(1, 100_000).default(5_000),
  /** Region for phone numbers written without a country code. */
  INTAKE_DEFAULT_REGION: z
    .string()
    .regex(/^[A-Z]{2}$/)
    .default("CN"),
  /** How long an Idempotency-Key for /v1/leads is remembered. */
  INTAKE_IDEMPOTENCY_TTL_MS: int(60_000, 365 * 86_400_000).default(7 * 86_400_000),
  NATS_DUPLICATE_WINDOW_MS: int(1_000, 7 * 86_400_000).default(10 * 60_000),
  NATS_EVENTS_MAX_AGE_MS: int(0, 3_650 * 86_400_000).default(7 * 86_400_000),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export interface IntakeConfig {
  natsUrl: string;
  http: { port: number; host: string };
  apiKeys: z.infer<typeof ApiKeysJson>;
  metricsApiKeys: z.infer<typeof ApiKeysJson>;
  bodyLimitBytes: number;
  maxEvents: number;
  defaultRegion: string;
  idempotencyTtlMs: number;
  streams: { duplicateWindowMs: number; maxAgeMs: number };
  logLevel: string;
}

export function intakeConfigFromEnv(env: NodeJS.ProcessEnv = process.env): IntakeConfig {
  const r = IntakeEnv.safeParse(env);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`invalid intake configuration:\n${lines.join("\n")}`);
  }
  const e = r.data;
  return {
    natsUrl: e.NATS_URL,
    http: { port: e.INTAKE_PORT, host: e.INTAKE_HOST },
    apiKeys: e.INTAKE_API_KEYS,
    metricsApiKeys: [
      ...e.METRICS_API_KEYS,
      ...(e.METRICS_API_KEY ? [{ name: "metrics", key: e.METRICS_API_KEY }] : []),
    ],
    bodyLimitBytes: e.INTAKE_BODY_LIMIT_BYTES,
    maxEvents: e.INTAKE_MAX_EVENTS,
    defaultRegion: e.INTAKE_DEFAULT_REGION,
    idempotencyTtlMs: e.INTAKE_IDEMPOTENCY_TTL_MS,
    streams: { duplicateWindowMs: e.NATS_DUPLICATE_WINDOW_MS, maxAgeMs: e.NATS_EVENTS_MAX_AGE_MS },
    logLevel: e.LOG_LEVEL,
  };
}
