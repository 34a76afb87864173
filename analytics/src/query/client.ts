import { type ClickHouseClient, createClient } from "@clickhouse/client";
import { z } from "zod";

export const ClickHouseConfigSchema = z.object({
  url: z.url(),
  username: z.string().min(1),
  password: z.string(),
  database: z.string().min(1).optional(),
  /** Client-side request timeout; server-side limits are max_execution_time. */
  requestTimeoutMs: z.number().int().positive().default(30_000),
  /** gzip both ways (the embedded host and real servers support it). */
  compression: z.boolean().default(false),
  application: z.string().default("callcenter"),
});

export type ClickHouseConfig = z.input<typeof ClickHouseConfigSchema>;

/** Thin @clickhouse/client factory: every service reaches ClickHouse by URL through this. */
export function createClickHouse(config: ClickHouseConfig): ClickHouseClient {
  const c = ClickHouseConfigSchema.parse(config);
  return createClient({
    url: c.url,
    username: c.username,
    password: c.password,
    ...(c.database ? { database: c.database } : {}),
    request_timeout: c.requestTimeoutMs,
    application: c.application,
    compression: { request: c.compression, response: c.compression },
    keep_alive: { enabled: true },
  });
}
