// The SQL page's server code against a real embedded ClickHouse host holding two orgs: the
// signed-in analyst of org A gets zero rows of org B, whatever the query tries.
import { buildScenario, createClickHouse, insertEvents, migrate } from "@cc/analytics";
import { type ClickHouseHost, startClickHouseHost } from "@cc/infra";
import type { ClickHouseClient } from "@clickhouse/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SessionUser } from "./auth/types.ts";

// Imported once the environment points at the test host: the dashboard reads it at first use.
type PageModule = typeof import("../../routes/(app)/sql/+page.server.ts");
let load: PageModule["load"];
let closeClickHouse: () => Promise<void>;

const A = "org-a";
const B = "org-b";
let host: ClickHouseHost;
let writer: ClickHouseClient;

const analystOf = (org: string): SessionUser => ({
  username: `analyst-of-${org}`,
  displayName: "Analyst",
  role: "analyst",
  org,
  department: "",
  team: "",
  teams: [],
  agentId: "",
  mustChangePassword: false,
});

interface PageData {
  result: { rows: Record<string, unknown>[]; total: number } | null;
  error: { code: string; type: string; message: string } | null;
}

/** The SQL page's load function, as SvelteKit calls it for GET /sql?q=…&p=… */
async function sqlPage(org: string, q: string, p: Record<string, unknown> = {}): Promise<PageData> {
  const url = new URL("http://127.0.0.1/sql");
  url.searchParams.set("q", q);
  url.searchParams.set("p", JSON.stringify(p));
  const event = { locals: { user: analystOf(org) }, url } as unknown as Parameters<typeof load>[0];
  return (await load(event)) as PageData;
}

beforeAll(async () => {
  host = await startClickHouseHost();
  writer = createClickHouse({ url: host.url, ...host.writer });
  await migrate(writer);
  await insertEvents(writer, buildScenario({ seed: 3, orgId: A, leads: 30 }).events);
  await insertEvents(writer, buildScenario({ seed: 4, orgId: B, leads: 30 }).events);
  process.env.CLICKHOUSE_URL = host.url;
  process.env.CLICKHOUSE_USER = host.writer.username;
  process.env.CLICKHOUSE_PASSWORD = host.writer.password;
  process.env.CLICKHOUSE_ORG_ANALYST_SECRET = host.orgAnalystSecret;
  process.env.LOG_LEVEL = "silent";
  ({ load } = await import("../../routes/(app)/sql/+page.server.ts"));
  ({ closeClickHouse } = await import("./clickhouse.ts"));
});

afterAll(async () => {
  await closeClickHouse?.();
  await writer?.close();
  await host?.stop();
});

describe("the SQL page runs as the signed-in user's org analyst", () => {
  it("shows only the user's org, for each org", async () => {
    for (const org of [A, B]) {
      const page = await sqlPage(
        org,
        "SELECT org_id, count() AS n FROM events GROUP BY org_id ORDER BY org_id",
      );
      expect(page.error).toBeNull();
      expect(page.result?.rows.map((r) => r.org_id)).toEqual([org]);
      expect(Number(page.result?.rows[0]?.n)).toBeGreaterThan(50);
    }
  });

  it("shows exactly the user's org in every table and view with an org column", async () => {
    const rs = await writer.query({
      query: `SELECT database, table FROM system.columns WHERE name = 'org_id'
              AND database NOT IN ('system', 'information_schema', 'INFORMATION_SCHEMA') ORDER BY database, table`,
      format: "JSONEachRow",
    });
    const tables = await rs.json<{ database: string; table: string }>();
    expect(tables.length).toBeGreaterThan(40);
    let otherOrgRows = 0;
    for (const { database, table } of tables) {
      const name = `${database}.\`${table}\``;
      const own = await writer.query({
        query: `SELECT count() AS n FROM ${name} WHERE org_id = {org:String}`,
        query_params: { org: A },
        format: "JSONEachRow",
      });
      const [expected] = await own.json<{ n: string }>();
      const other = await writer.query({
        query: `SELECT count() AS n FROM ${name} WHERE org_id = {org:String}`,
        query_params: { org: B },
        format: "JSONEachRow",
      });
      otherOrgRows += Number((await other.json<{ n: string }>())[0]?.n);
      const page = await sqlPage(
        A,
        `SELECT count() AS n, countIf(org_id != {org:String}) AS others FROM ${name}`,
        {
          org: A,
        },
      );
      expect({
        name,
        error: page.error,
        n: Number(page.result?.rows[0]?.n),
        others: Number(page.result?.rows[0]?.others),
      }).toEqual({
        name,
        error: null,
        n: Number(expected?.n),
        others: 0,
      });
    }
    expect(otherOrgRows).toBeGreaterThan(1000); // org B's rows are there, only not for A
  });

  it("gives zero rows of another org through parameters, subqueries, JOINs, UNIONs and report tables", async () => {
    const zero = [
      ["SELECT count() AS n FROM events WHERE org_id = {org:String}", { org: B }],
      [`SELECT count() AS n FROM (SELECT * FROM default.events WHERE org_id = '${B}')`, {}],
      [
        `SELECT count() AS n FROM events AS e JOIN report_lead_events AS r ON e.org_id = r.org_id WHERE r.org_id = '${B}'`,
        {},
      ],
      [
        `SELECT count() AS n FROM (SELECT org_id FROM campaign_stats_10s UNION ALL SELECT org_id FROM wallboard_campaign) WHERE org_id = '${B}'`,
        {},
      ],
      [`SELECT count() AS n FROM report_agent_hourly WHERE org_id = '${B}'`, {}],
      [`SELECT count() AS n FROM view(SELECT * FROM events WHERE org_id = '${B}')`, {}],
    ] as const;
    for (const [q, p] of zero) {
      const page = await sqlPage(A, q, p);
      expect({ q, error: page.error, n: Number(page.result?.rows[0]?.n) }).toEqual({ q, error: null, n: 0 });
    }
  });

  it("shows the refusal for table functions, system tables, SETTINGS overrides and files", async () => {
    const refused = [
      "SELECT count() FROM merge('default', '^events$')",
      "SELECT * FROM mergeTreeIndex(default, events)",
      "SELECT * FROM system.parts",
      "SELECT count() FROM events SETTINGS additional_table_filters = {'default.events': '1'}",
      "SELECT file('/etc/hostname')",
      "SELECT 1; SELECT count() FROM merge('default', '^events$')",
    ];
    for (const q of refused) {
      const page = await sqlPage(A, q);
      expect({ q, result: page.result }).toEqual({ q, result: null });
      expect(page.error?.code).toMatch(/^(497|164|395|62)$/);
    }
  });
});
