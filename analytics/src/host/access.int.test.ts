// Tenant isolation and least privilege on the embedded host, through @clickhouse/client and
// raw HTTP: an org analyst sees zero rows of another org in every table, whatever it tries;
// no identity reaches the host's files.
import { existsSync } from "node:fs";
import path from "node:path";
import { createClickHouse, orgAnalystCredentials } from "@cc/analytics";
import { type ClickHouseHost, startClickHouseHost } from "@cc/infra";
import { type ClickHouseClient, ClickHouseError } from "@clickhouse/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildScenario } from "../reports/scenario.ts";
import { migrate } from "../schema/migrate.ts";
import { insertEvents } from "../testing/seed.ts";

const A = "org-a";
const B = "org-b";
let host: ClickHouseHost;
let writer: ClickHouseClient;
let analystA: ClickHouseClient;

async function chError(p: Promise<unknown>): Promise<ClickHouseError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ClickHouseError);
    return err as ClickHouseError;
  }
  throw new Error("expected a ClickHouse error");
}

async function rows<T>(c: ClickHouseClient, query: string): Promise<T[]> {
  return (await c.query({ query, format: "JSONEachRow" })).json<T>();
}

async function count(c: ClickHouseClient, query: string): Promise<number> {
  const [r] = await rows<{ n: string | number }>(c, query);
  return Number(r?.n);
}

/** Raw HTTP, no client library: what curl or any tool would send. */
async function httpQuery(
  user: { username: string; password: string },
  query: string,
  params: Record<string, string> = {},
) {
  const url = new URL(host.url);
  url.searchParams.set("query", query);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  const res = await fetch(url, {
    headers: {
      Authorization: `Basic ${Buffer.from(`${user.username}:${user.password}`).toString("base64")}`,
    },
  });
  return { status: res.status, code: res.headers.get("x-clickhouse-exception-code"), body: await res.text() };
}

beforeAll(async () => {
  host = await startClickHouseHost();
  writer = createClickHouse({ url: host.url, ...host.writer });
  analystA = createClickHouse({ url: host.url, ...orgAnalystCredentials(host.orgAnalystSecret, A) });
  await migrate(writer);
  await insertEvents(writer, buildScenario({ seed: 1, orgId: A, leads: 40 }).events);
  await insertEvents(writer, buildScenario({ seed: 2, orgId: B, leads: 40 }).events);
  // Another database and tables a migration might add: one with an org column, one without.
  await writer.command({ query: "CREATE DATABASE IF NOT EXISTS side" });
  await writer.command({
    query: "CREATE TABLE side.notes (org_id String, note String) ENGINE = MergeTree ORDER BY org_id",
  });
  await writer.command({ query: "CREATE TABLE side.plain (note String) ENGINE = MergeTree ORDER BY note" });
  await writer.command({
    query: "CREATE TABLE no_org_here (secret String) ENGINE = MergeTree ORDER BY secret",
  });
  await writer.insert({
    table: "side.notes",
    values: [
      { org_id: A, note: "a-note" },
      { org_id: B, note: "b-secret-note" },
    ],
    format: "JSONEachRow",
  });
  await writer.insert({ table: "side.plain", values: [{ note: "b-plain-secret" }], format: "JSONEachRow" });
  await writer.insert({ table: "no_org_here", values: [{ secret: "b-secret" }], format: "JSONEachRow" });
});

afterAll(async () => {
  await writer?.close();
  await analystA?.close();
  await host?.stop();
});

describe("org analysts", () => {
  it("read exactly their org's rows in every table and view with an org column", async () => {
    const tables = await rows<{ database: string; table: string; column: string }>(
      writer,
      `SELECT database, table, min(name) AS column FROM system.columns
       WHERE name IN ('org_id', 'org') AND database NOT IN ('system', 'information_schema', 'INFORMATION_SCHEMA')
       GROUP BY database, table ORDER BY database, table`,
    );
    // events, the aggregates, typed views, report tables, wallboard tables, MVs, side.notes
    expect(tables.length).toBeGreaterThan(40);
    let orgBRowsSeen = 0;
    for (const { database, table, column } of tables) {
      const name = `${database}.\`${table}\``;
      const own = await count(writer, `SELECT count() AS n FROM ${name} WHERE ${column} = '${A}'`);
      orgBRowsSeen += await count(writer, `SELECT count() AS n FROM ${name} WHERE ${column} = '${B}'`);
      expect({ table: name, n: await count(analystA, `SELECT count() AS n FROM ${name}`) }).toEqual({
        table: name,
        n: own,
      });
      expect(await count(analystA, `SELECT count() AS n FROM ${name} WHERE ${column} != '${A}'`)).toBe(0);
    }
    expect(orgBRowsSeen).toBeGreaterThan(1000); // org B's data is there, just not for A
    expect(await count(analystA, "SELECT count() AS n FROM events")).toBeGreaterThan(100);
  });

  it("get zero rows of another org through subqueries, JOINs, UNIONs, view() and qualified names", async () => {
    const attempts = [
      `SELECT count() AS n FROM (SELECT * FROM events WHERE org_id = '${B}')`,
      `SELECT count() AS n FROM default.events WHERE org_id = '${B}'`,
      `SELECT count() AS n FROM events AS e JOIN campaign_stats_10s AS s ON e.org_id = s.org_id WHERE s.org_id = '${B}'`,
      `SELECT count() AS n FROM (SELECT org_id FROM events UNION ALL SELECT org_id FROM report_lead_events) WHERE org_id = '${B}'`,
      `SELECT count() AS n FROM view(SELECT * FROM events WHERE org_id = '${B}')`,
      `WITH b AS (SELECT * FROM events WHERE org_id = '${B}') SELECT count() AS n FROM b`,
      `SELECT count() AS n FROM events WHERE event_id IN (SELECT event_id FROM default.events WHERE org_id = '${B}')`,
      `SELECT count() AS n FROM campaign_stats_10s_counters_mv WHERE org_id = '${B}'`,
      `SELECT count() AS n FROM call_answered WHERE org_id = '${B}'`,
      `SELECT count() AS n FROM side.notes WHERE org_id = '${B}'`,
    ];
    for (const q of attempts) expect({ q, n: await count(analystA, q) }).toEqual({ q, n: 0 });
  });

  it("are refused table functions that read stored data, system state and tables without an org", async () => {
    const refused = [
      "SELECT count() FROM merge('default', '^events$')",
      "SELECT count() FROM merge('^ev')",
      "SELECT * FROM mergeTreeIndex(default, events)",
      "SELECT * FROM mergeTreeAnalyzeIndexes(default, events)",
      "SELECT count() FROM view(SELECT * FROM merge('default', '^events$'))",
      "SELECT * FROM remote('127.0.0.1', default.events)",
      "SELECT * FROM cluster('default', default.events)",
      "SELECT * FROM loop(events) LIMIT 1",
      "SELECT * FROM system.parts",
      "SELECT * FROM system.errors",
      "SELECT * FROM system.processes",
      "SELECT * FROM no_org_here",
      "SELECT * FROM side.plain",
      "SELECT * FROM events AS e JOIN no_org_here AS x ON 1 = 1",
      "SELECT * FROM file('/etc/hostname', 'LineAsString')",
      "SELECT file('/etc/hostname')",
      "SELECT 1 INTO OUTFILE '/tmp/cc-analyst-outfile.txt'",
    ];
    for (const q of refused) {
      const err = await chError(analystA.query({ query: q }));
      expect({ q, code: err.code }).toEqual({ q, code: expect.stringMatching(/^(497|164|395)$/) });
    }
    expect(existsSync("/tmp/cc-analyst-outfile.txt")).toBe(false);
    // A second statement never rides along unchecked.
    const multi = await chError(
      analystA.query({ query: "SELECT 1; SELECT count() FROM merge('default', '^events$')" }),
    );
    expect(multi.code).toBe("62");
  });

  it("cannot lift the filter with SETTINGS, URL settings or another database", async () => {
    const lift = `{'default.events': '1'}`;
    const inQuery = await chError(
      analystA.query({ query: `SELECT count() FROM events SETTINGS additional_table_filters = ${lift}` }),
    );
    expect(inQuery.code).toBe("164");
    const creds = orgAnalystCredentials(host.orgAnalystSecret, A);
    const viaUrl = await httpQuery(creds, "SELECT count() FROM events", { additional_table_filters: lift });
    expect(viaUrl.code).toBe("164");
    const readonlyOff = await httpQuery(creds, "SELECT count() FROM events", { readonly: "0" });
    expect(readonlyOff.code).toBe("164");
    const sys = await httpQuery(creds, "SELECT * FROM errors", { database: "system" });
    expect(sys.code).toBe("395"); // throwIf in the table's filter: "system.errors: … not readable by org analysts"
    expect(sys.body).toContain("system.errors: host state of every org: not readable by org analysts");
    const other = await httpQuery(creds, `SELECT note FROM notes ORDER BY note`, { database: "side" });
    expect(other.body).toBe("a-note\n");
  });

  it("through the HTTP port: own org only, schema and numbers readable, wrong org's password refused", async () => {
    const creds = orgAnalystCredentials(host.orgAnalystSecret, A);
    const perOrg = await httpQuery(
      creds,
      "SELECT org_id, count() FROM events GROUP BY org_id ORDER BY org_id",
    );
    expect(perOrg.status).toBe(200);
    expect(perOrg.body).toMatch(new RegExp(`^${A}\\t\\d+\\n$`));
    expect((await httpQuery(creds, "SELECT count() FROM numbers(10)")).body).toBe("10\n");
    const tables = await httpQuery(
      creds,
      "SELECT name FROM system.tables WHERE database = 'default' AND name = 'events'",
    );
    expect(tables.body).toBe("events\n");
    expect((await httpQuery(creds, "SELECT count() > 0 FROM schema_migrations")).body).toBe("1\n");
    const wrong = await httpQuery(
      { username: creds.username, password: orgAnalystCredentials(host.orgAnalystSecret, B).password },
      "SELECT 1",
    );
    expect(wrong.status).toBe(403);
    expect(wrong.code).toBe("516");
    const b = await httpQuery(
      orgAnalystCredentials(host.orgAnalystSecret, B),
      "SELECT DISTINCT org_id FROM events",
    );
    expect(b.body).toBe(`${B}\n`);
  });
});

describe("every identity", () => {
  it("is refused the host's files and other sources", async () => {
    const outfile = path.join(host.dataDir, "outfile-probe.txt");
    const refused = [
      "SELECT * FROM file('/etc/hostname', 'LineAsString')",
      "SELECT file('/etc/hostname')",
      "SELECT `file`('../../../../etc/hostname')",
      "SELECT * FROM `/etc/hostname`", // chDB's default database overlays the filesystem
      "SELECT * FROM url('http://127.0.0.1:9/x', 'LineAsString')",
      "SELECT * FROM s3('http://127.0.0.1:9/cc-bucket/x.csv', 'CSV')",
      "SELECT * FROM remote('127.0.0.1:9000', system.one)",
      "SELECT * FROM mysql('127.0.0.1:3306', 'db', 't', 'u', 'p')",
      "CREATE TABLE host_file (l String) ENGINE = File(LineAsString, '/etc/hostname')",
      "CREATE TABLE host_url (l String) ENGINE = URL('http://127.0.0.1:9/x', LineAsString)",
      "INSERT INTO FUNCTION file('/tmp/cc-writer-probe.txt', 'LineAsString') SELECT 'x'",
      `SELECT 1 INTO OUTFILE '${outfile}'`,
      "INSERT INTO no_org_here FROM INFILE '/etc/hostname' FORMAT LineAsString",
      "SYSTEM SHUTDOWN",
      "KILL QUERY WHERE 1",
      "SYSTEM DROP MARK CACHE",
      "CREATE DICTIONARY host_dict (l String) PRIMARY KEY l SOURCE(FILE(path '/etc/hostname' format 'LineAsString')) LAYOUT(FLAT()) LIFETIME(0)",
    ];
    for (const q of refused) {
      const err = await chError(writer.command({ query: q }));
      expect({ q, type: err.type }).toEqual({ q, type: "ACCESS_DENIED" });
    }
    const exec = await chError(
      writer.query({ query: "SELECT * FROM executable('id', 'LineAsString', 'l String')" }),
    );
    expect(exec.message).toMatch(/user scripts folder|ACCESS_DENIED|Not enough privileges/);
    expect(existsSync(outfile)).toBe(false);
    expect(existsSync("/tmp/cc-writer-probe.txt")).toBe(false);
    expect(await count(writer, "SELECT count() AS n FROM no_org_here")).toBe(1);
    // The all-org analyst (readonly) is refused the same way.
    const analyst = createClickHouse({ url: host.url, ...host.analyst });
    expect((await chError(analyst.query({ query: "SELECT file('/etc/hostname')" }))).code).toBe("497");
    await analyst.close();
  });
});

describe("the services' writer beside a migrator (npm start)", () => {
  it("inserts and reads but cannot change the schema, nor lift that", async () => {
    const split = await startClickHouseHost({ separateMigrator: true });
    const migrator = createClickHouse({ url: split.url, ...split.migrator });
    const sink = createClickHouse({ url: split.url, ...split.writer });
    try {
      await migrate(migrator);
      await insertEvents(sink, buildScenario({ seed: 5, orgId: A, leads: 5 }).events);
      expect(await count(sink, "SELECT count() AS n FROM events")).toBeGreaterThan(10);
      for (const q of [
        "CREATE TABLE sink_t (x UInt8) ENGINE = Memory",
        "DROP TABLE events",
        "TRUNCATE TABLE events",
        "ALTER TABLE events DELETE WHERE 1",
        "RENAME TABLE events TO events_old",
        "CREATE DATABASE sink_db",
        "SET allow_ddl = 1",
      ]) {
        expect({ q, code: (await chError(sink.command({ query: q }))).code }).toEqual({ q, code: "392" });
      }
      const viaUrl = await chError(
        sink.command({ query: "DROP TABLE events", clickhouse_settings: { allow_ddl: 1 } }),
      );
      expect(viaUrl.code).toBe("392");
      // A session cannot shed the lock either (SET profile only adds constraints).
      await sink.command({ query: "SET profile = 'default'", session_id: "sink-session" });
      const inSession = await chError(
        sink.command({ query: "DROP TABLE events", session_id: "sink-session" }),
      );
      expect(inSession.code).toBe("392");
      expect((await chError(sink.query({ query: "SELECT file('/etc/hostname')" }))).code).toBe("497");
      await migrator.command({
        query: "CREATE TABLE migrated_later (x UInt8) ENGINE = MergeTree ORDER BY x",
      });
      // INSERT only into its own tables (events; the demo history's marker).
      const elsewhere = await chError(
        sink.insert({ table: "migrated_later", values: [{ x: 1 }], format: "JSONEachRow" }),
      );
      expect(elsewhere.type).toBe("ACCESS_DENIED");
      const viaSelect = await chError(
        sink.command({ query: "INSERT INTO report_ad_spend SELECT * FROM report_ad_spend" }),
      );
      expect(viaSelect.type).toBe("ACCESS_DENIED");
      const before = await count(sink, "SELECT count() AS n FROM events");
      await sink.command({ query: "INSERT INTO default.events SELECT * FROM events LIMIT 1" });
      expect(await count(sink, "SELECT count() AS n FROM events")).toBeGreaterThanOrEqual(before);
      expect(await count(migrator, "SELECT count() AS n FROM migrated_later")).toBe(0);
    } finally {
      await sink.close();
      await migrator.close();
      await split.stop();
    }
  });
});
