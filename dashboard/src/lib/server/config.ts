import { z } from "zod";

const DemoAgents = z
  .array(
    z.object({
      username: z.string().regex(/^[a-z0-9_.-]{2,64}$/),
      agent_id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
    }),
  )
  .max(500);

const IceServers = z.array(
  z
    .object({
      urls: z.union([
        z.string().regex(/^(stun|turns?):/),
        z.array(z.string().regex(/^(stun|turns?):/)).min(1),
      ]),
      username: z.string().optional(),
      credential: z.string().optional(),
    })
    .strict(),
);

/** Environment of the dashboard server, validated once at start with readable messages. */
const EnvObject = z.object({
  CLICKHOUSE_URL: z.url().default("http://127.0.0.1:8123"),
  CLICKHOUSE_USER: z.string().min(1).default("cc_writer"),
  CLICKHOUSE_PASSWORD: z.string().default(""),
  CLICKHOUSE_ANALYST_USER: z.string().min(1).default("analyst"),
  CLICKHOUSE_ANALYST_PASSWORD: z.string().default(""),
  /**
   * The SQL page runs as the signed-in user's org analyst (`analyst.<org>`, rows of that org
   * only); its password derives from this secret (the ClickHouse host's CH_ORG_ANALYST_SECRET).
   * Unset → the SQL page refuses to run queries.
   */
  CLICKHOUSE_ORG_ANALYST_SECRET: z.string().min(16, "must be at least 16 characters").optional(),
  CLICKHOUSE_DATABASE: z.string().min(1).default("default"),
  /**
   * The data dir the media service stores call recordings in (recordings/<org>/<day>/…): the same
   * directory on one box (npm start), a shared mount where they run on different machines.
   */
  CC_DATA_DIR: z.string().min(1).optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "must be a redis:// URL")
    .default("redis://127.0.0.1:6379"),
  NATS_URL: z.string().min(1).default("nats://127.0.0.1:4222"),
  /** Default organisation for users created without one. */
  CC_ORG: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .default("demo"),
  /** Bearer key for /metrics (machines). Unset → /metrics answers 401 to everyone. */
  DASHBOARD_METRICS_KEY: z.string().min(16).optional(),
  SESSION_TTL_S: z.coerce
    .number()
    .int()
    .positive()
    .default(12 * 3600),
  LOGIN_MAX_FAILURES: z.coerce.number().int().positive().default(5),
  LOGIN_WINDOW_S: z.coerce
    .number()
    .int()
    .positive()
    .default(15 * 60),
  /** Time zone of the reporting day (wallboard "today"). */
  CC_TIMEZONE: z.string().min(1).default("Asia/Shanghai"),
  /** Abandon cap as a fraction of live answers (rolling 24 h), shown against the abandon rate. */
  ABANDON_CAP: z.coerce.number().min(0).max(1).default(0.03),
  WALLBOARD_TICK_MS: z.coerce.number().int().min(100).default(1000),
  /** Run the live-state projector inside the dashboard process (off when a separate one runs). */
  DASHBOARD_RUN_PROJECTOR: z
    .enum(["0", "1", "true", "false"])
    .default("1")
    .transform((v) => v === "1" || v === "true"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** `npm start`'s simulated floor: agent accounts created at start, JSON [{username, agent_id}]. */
  DASHBOARD_DEMO_AGENTS: z
    .string()
    .default("[]")
    .transform((s, ctx) => {
      try {
        return DemoAgents.parse(JSON.parse(s));
      } catch {
        ctx.addIssue({
          code: "custom",
          message: 'must be a JSON list like [{"username":"demo-agent-01","agent_id":"sim-agent-01"}]',
        });
        return z.NEVER;
      }
    }),
  DASHBOARD_DEMO_AGENT_PASSWORD: z.string().min(10).optional(),
  /**
   * The console's WebRTC softphone: SIP over WebSocket to the media service's drachtio-server
   * (its `ws`/`wss` contact). Unset → no softphone in the console (agents use desk phones).
   */
  MEDIA_SIP_WS_URL: z
    .url({ protocol: /^wss?$/, error: "must be a ws:// or wss:// URL (drachtio-server's WebSocket contact)" })
    .optional(),
  /** Secret the agents' SIP passwords derive from: the media service's MEDIA_SIP_SECRET. */
  MEDIA_SIP_SECRET: z
    .string()
    .min(16, "must be at least 16 characters (the media service's MEDIA_SIP_SECRET)")
    .optional(),
  /** Digest realm of the media service (its MEDIA_SIP_REALM). */
  MEDIA_SIP_REALM: z.string().min(1).default("callcenter"),
  /** Lifetime of the SIP credentials minted for a browser (each connect mints new ones). */
  MEDIA_SIP_CREDENTIAL_TTL_S: z.coerce.number().int().min(30).max(86_400).default(600),
  /** ICE servers for the browser: RTCPeerConnection's iceServers as JSON (default: none). */
  MEDIA_ICE_SERVERS: z
    .string()
    .default("[]")
    .transform((s, ctx) => {
      try {
        return IceServers.parse(JSON.parse(s));
      } catch {
        ctx.addIssue({
          code: "custom",
          message: 'must be a JSON list like [{"urls":"stun:stun.example.org:3478"}]',
        });
        return z.NEVER;
      }
    }),
});

const EnvSchema = EnvObject.superRefine((env, ctx) => {
  if (env.MEDIA_SIP_WS_URL && !env.MEDIA_SIP_SECRET) {
    ctx.addIssue({
      code: "custom",
      path: ["MEDIA_SIP_SECRET"],
      message: "is required when MEDIA_SIP_WS_URL is set (the softphone's SIP credentials derive from it)",
    });
  }
});

export type DashboardConfig = z.infer<typeof EnvSchema>;

export class ConfigError extends Error {
  readonly code = "CONFIG_INVALID";
  constructor(message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.name = "ConfigError";
  }
}

export function parseConfig(env: Record<string, string | undefined>): DashboardConfig {
  const r = EnvSchema.safeParse(env);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new ConfigError(`invalid dashboard environment:\n${lines}`, { cause: r.error });
  }
  return r.data;
}

let cached: DashboardConfig | undefined;
export function config(): DashboardConfig {
  cached ??= parseConfig(process.env);
  return cached;
}
