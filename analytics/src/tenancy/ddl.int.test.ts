// The access DDL for a real server: what it grants, and that ClickHouse's parser (the embedded
// engine's formatQuery) accepts every statement.
import { createHash } from "node:crypto";
import { createClickHouse } from "@cc/analytics";
import { type ClickHouseHost, startClickHouseHost } from "@cc/infra";
import type { ClickHouseClient } from "@clickhouse/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessDdl } from "./ddl.ts";
import { orgAnalystPassword } from "./org-analyst.ts";

const secret = "org-analyst-secret-for-the-ddl-test";
let host: ClickHouseHost;
let writer: ClickHouseClient;

beforeAll(async () => {
  host = await startClickHouseHost();
  writer = createClickHouse({ url: host.url, ...host.writer });
});

afterAll(async () => {
  await writer?.close();
  await host?.stop();
});

describe("access DDL for a real ClickHouse server", () => {
  const ddl = accessDdl({
    database: "cc",
    orgs: ["acme", "beta-2"],
    orgAnalystSecret: secret,
    writer: { username: "cc_writer", password: "writer-password-0123" },
    migrator: { username: "cc_migrator", password: "migrator-password-0123" },
    analyst: { username: "analyst", password: "analyst-password-0123" },
  });

  it("gives each org analyst its own row policy over the whole database and a hashed derived password", () => {
    const hash = createHash("sha256").update(orgAnalystPassword(secret, "acme")).digest("hex");
    expect(ddl).toContain(
      `CREATE USER IF NOT EXISTS \`analyst.acme\` IDENTIFIED WITH sha256_hash BY '${hash}' SETTINGS PROFILE 'cc_analyst'`,
    );
    expect(ddl).toContain(
      "CREATE ROW POLICY IF NOT EXISTS `cc_org_beta-2` ON `cc`.* USING org_id = 'beta-2' TO `analyst.beta-2`",
    );
    expect(ddl.join("\n")).not.toContain(orgAnalystPassword(secret, "acme"));
    // The sink's writer inserts only into events; nobody gets sources, SYSTEM or access management.
    expect(ddl).toContain("GRANT INSERT ON `cc`.events TO `cc_writer`");
    expect(ddl.join("\n")).not.toMatch(/\b(FILE|URL|S3|REMOTE|SOURCES|SYSTEM|ACCESS MANAGEMENT|ALL)\b ON/);
    expect(ddl[0]).toMatch(/readonly = 1/);
  });

  it("parses with ClickHouse's own parser, statement by statement", async () => {
    for (const statement of ddl) {
      const rs = await writer.query({
        query: "SELECT formatQuery({s:String}) AS f",
        query_params: { s: statement },
        format: "JSONEachRow",
      });
      const [row] = await rs.json<{ f: string }>();
      expect(row?.f.length).toBeGreaterThan(10);
    }
  });
});
