import { z } from "zod";

const Port = z.coerce.number().int().min(1).max(65_535);
const NonNegInt = z.coerce.number().int().min(0);
const Secret = z.string().min(8, "must be at least 8 characters");
const UserName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/, "letters, digits, _ . - only");

/** Environment of the embedded ClickHouse host (contract: infra/src/launchers/clickhouse.ts). */
export const HostEnvSchema = z
  .object({
    CH_HOST_PORT: Port,
    CH_DATA_DIR: z.string().min(1),
    CH_WRITER_USER: UserName,
    CH_WRITER_PASSWORD: Secret,
    CH_ANALYST_USER: UserName,
    CH_ANALYST_PASSWORD: Secret,
    /** Schema changes (the migrate step); when set, the writer above loses DDL (no CREATE/ALTER/DROP). */
    CH_MIGRATOR_USER: UserName.optional(),
    CH_MIGRATOR_PASSWORD: Secret.optional(),
    /** The report refresher: inserts only into the reports' precompute tables, no DDL (access.ts). */
    CH_REFRESHER_USER: UserName.optional(),
    CH_REFRESHER_PASSWORD: Secret.optional(),
    /** Org analysts `analyst.<org>` get HMAC(secret, org) as password (src/tenancy); unset: none. */
    CH_ORG_ANALYST_SECRET: z.string().min(16, "must be at least 16 characters").optional(),
    /** Largest accepted request body after decompression (INSERT batches). */
    CH_MAX_BODY_BYTES: NonNegInt.default(256 * 1024 * 1024),
    /** More simultaneous queries than this get TOO_MANY_SIMULTANEOUS_QUERIES (202). */
    CH_MAX_CONCURRENT_QUERIES: NonNegInt.min(1).default(64),
    // HTTP sessions (session_id): each holds one engine connection while it lives.
    CH_MAX_SESSIONS: NonNegInt.min(1).default(256),
    /** The query result cache (use_query_cache=1 reads; query-cache.ts): all results together. */
    CH_QUERY_CACHE_BYTES: NonNegInt.default(256 * 1024 * 1024),
    /** Never-used engine connections opened ahead of requests (engine.ts); 0 opens one per request. */
    CH_SPARE_CONNECTIONS: NonNegInt.max(256).default(8),
    CH_SESSION_DEFAULT_TIMEOUT: NonNegInt.default(60),
    CH_MAX_SESSION_TIMEOUT: NonNegInt.default(3600),
    // Analyst limits, applied as engine settings before readonly=1 locks them.
    CH_ANALYST_MAX_EXECUTION_TIME: NonNegInt.default(30),
    CH_ANALYST_MAX_RESULT_ROWS: NonNegInt.default(1_000_000),
    CH_ANALYST_MAX_RESULT_BYTES: NonNegInt.default(256 * 1024 * 1024),
    CH_ANALYST_MAX_ROWS_TO_READ: NonNegInt.default(2_000_000_000),
    CH_ANALYST_MAX_MEMORY_USAGE: NonNegInt.default(4 * 1024 * 1024 * 1024),
    /** Writer guard rail (0 = unlimited); services set their own per-query limits. */
    CH_WRITER_MAX_EXECUTION_TIME: NonNegInt.default(0),
    CH_LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal"]).default("info"),
  })
  .refine((e) => e.CH_WRITER_USER !== e.CH_ANALYST_USER, {
    message: "writer and analyst must be different users",
    path: ["CH_ANALYST_USER"],
  })
  .refine((e) => (e.CH_MIGRATOR_USER === undefined) === (e.CH_MIGRATOR_PASSWORD === undefined), {
    message: "set both CH_MIGRATOR_USER and CH_MIGRATOR_PASSWORD, or neither",
    path: ["CH_MIGRATOR_PASSWORD"],
  })
  .refine((e) => (e.CH_REFRESHER_USER === undefined) === (e.CH_REFRESHER_PASSWORD === undefined), {
    message: "set both CH_REFRESHER_USER and CH_REFRESHER_PASSWORD, or neither",
    path: ["CH_REFRESHER_PASSWORD"],
  })
  .refine(
    (e) =>
      e.CH_REFRESHER_USER === undefined ||
      ![e.CH_WRITER_USER, e.CH_ANALYST_USER, e.CH_MIGRATOR_USER].includes(e.CH_REFRESHER_USER),
    { message: "the refresher must be a user of its own", path: ["CH_REFRESHER_USER"] },
  )
  .refine(
    (e) =>
      e.CH_MIGRATOR_USER === undefined || ![e.CH_WRITER_USER, e.CH_ANALYST_USER].includes(e.CH_MIGRATOR_USER),
    {
      message: "the migrator must be a user of its own",
      path: ["CH_MIGRATOR_USER"],
    },
  );

export type HostEnv = z.infer<typeof HostEnvSchema>;

export class HostConfigError extends Error {
  override name = "HostConfigError";
  readonly code = "CH_HOST_CONFIG";
}

export function loadHostEnv(env: NodeJS.ProcessEnv = process.env): HostEnv {
  const parsed = HostEnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".") || "(env)"}: ${i.message}`);
    throw new HostConfigError(`invalid ClickHouse host environment:\n${lines.join("\n")}`, {
      cause: parsed.error,
    });
  }
  return parsed.data;
}
