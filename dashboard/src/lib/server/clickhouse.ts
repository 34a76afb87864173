import { createClickHouse, orgAnalystCredentials } from "@cc/analytics";
import type { ClickHouseClient } from "@clickhouse/client";
import { config } from "./config.ts";

let writer: ClickHouseClient | undefined;
let analyst: ClickHouseClient | undefined;
/** One client per org whose analysts used the SQL page recently (oldest closed first). */
const orgAnalysts = new Map<string, ClickHouseClient>();
const MAX_ORG_ANALYST_CLIENTS = 32;

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

/** The read-only analyst user of every org (readonly=1 and resource limits enforced by the server). */
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

export class OrgAnalystNotConfigured extends Error {
  override name = "OrgAnalystNotConfigured";
}

/**
 * The analyst of one org (`analyst.<org>`): read-only, limited, and confined by ClickHouse to
 * that org's rows (row policies on a server, table filters on the embedded host).
 */
export function clickhouseOrgAnalyst(orgId: string): ClickHouseClient {
  const c = config();
  if (!c.CLICKHOUSE_ORG_ANALYST_SECRET) {
    throw new OrgAnalystNotConfigured(
      "CLICKHOUSE_ORG_ANALYST_SECRET is not set: no per-org analyst identity",
    );
  }
  let client = orgAnalysts.get(orgId);
  if (client) {
    orgAnalysts.delete(orgId); // re-insert: most recently used last
  } else {
    client = createClickHouse({
      url: c.CLICKHOUSE_URL,
      ...orgAnalystCredentials(c.CLICKHOUSE_ORG_ANALYST_SECRET, orgId),
      database: c.CLICKHOUSE_DATABASE,
      application: "cc-dashboard-org-analyst",
      requestTimeoutMs: 60_000,
    });
  }
  orgAnalysts.set(orgId, client);
  if (orgAnalysts.size > MAX_ORG_ANALYST_CLIENTS) {
    const [oldest, old] = orgAnalysts.entries().next().value!;
    orgAnalysts.delete(oldest);
    void old.close();
  }
  return client;
}

export async function closeClickHouse(): Promise<void> {
  await Promise.all([writer?.close(), analyst?.close(), ...[...orgAnalysts.values()].map((c) => c.close())]);
  writer = undefined;
  analyst = undefined;
  orgAnalysts.clear();
}
