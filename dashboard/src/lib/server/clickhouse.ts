import { createClickHouse } from "@cc/analytics";
import type { ClickHouseClient } from "@clickhouse/client";
import { config } from "./config.ts";

let writer: ClickHouseClient | undefined;
let analyst: ClickHouseClient | undefined;

/** The services' user: dashboards and live numbers (always filtered by scope in our queries). */
export function clickhouse(): ClickHouseClient {
  const c = config();
  writer ??= createClickHouse({
    url: c.CLICKHOUSE_URL,
    username: c.CLICKHOUSE_USER,
    password: c.CLICKHOUSE_PASSWORD,
    database: c.CLICKHOUSE_DATABASE,
    application: "cc-dashboard",
    requestTimeoutMs: 30_000,
  });
  return writer;
}

/** The read-only analyst user (readonly=1 and resource limits enforced by the server). */
export function clickhouseAnalyst(): ClickHouseClient {
  const c = config();
  analyst ??= createClickHouse({
    url: c.CLICKHOUSE_URL,
    username: c.CLICKHOUSE_ANALYST_USER,
    password: c.CLICKHOUSE_ANALYST_PASSWORD,
    database: c.CLICKHOUSE_DATABASE,
    application: "cc-dashboard-analyst",
    requestTimeoutMs: 60_000,
  });
  return analyst;
}

export async function closeClickHouse(): Promise<void> {
  await Promise.all([writer?.close(), analyst?.close()]);
  writer = undefined;
  analyst = undefined;
}
