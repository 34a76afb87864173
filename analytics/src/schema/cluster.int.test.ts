import { type ClickHouseHost, startClickHouseHost } from "@cc/infra";
import type { ClickHouseClient } from "@clickhouse/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClickHouse } from "../query/client.ts";
import { generateClusterSchema } from "./cluster.ts";
import { migrate } from "./migrate.ts";
import { splitStatements } from "./split.ts";

let host: ClickHouseHost;
let client: ClickHouseClient;

beforeAll(async () => {
  host = await startClickHouseHost();
  client = createClickHouse({ url: host.url, ...host.writer });
  await migrate(client);
});

afterAll(async () => {
  await client?.close();
  await host?.stop();
});

async function rows<T>(query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  const rs = await client.query({ query, query_params: params, format: "JSONEachRow" });
  return (await rs.json()) as T[];
}

describe("generated cluster DDL against the engine", () => {
  it("has a twin for every object the single-node migrations created", async () => {
    const objects = await rows<{ name: string; engine: string }>(
      "SELECT name, engine FROM system.tables WHERE database = currentDatabase() AND NOT is_temporary",
    );
    const sql = await generateClusterSchema();
    expect(objects.length).toBeGreaterThan(40);
    for (const { name, engine } of objects) {
      expect(sql, name).toMatch(
        new RegExp(`^CREATE (TABLE|VIEW|MATERIALIZED VIEW) IF NOT EXISTS ${name} ON CLUSTER cc`, "m"),
      );
      if (engine.endsWith("MergeTree")) {
        expect(sql, name).toContain(
          `ENGINE = Replicated${engine}('/clickhouse/tables/{shard}/{database}/${name}'`,
        );
      }
    }
  });

  it("parses: the engine formats every generated statement", async () => {
    // The check can fail: a statement the parser rejects is an error, not an empty string.
    await expect(
      rows("SELECT formatQuery({q:String}) AS f", {
        q: "CREATE TABLE x ON CLUSTER cc AS y ENGINE = Distributed(",
      }),
    ).rejects.toThrow(/Syntax error/i);
    const statements = splitStatements(await generateClusterSchema());
    expect(statements.length).toBeGreaterThan(60);
    for (const statement of statements) {
      const [row] = await rows<{ f: string }>("SELECT formatQuery({q:String}) AS f", { q: statement });
      expect(row?.f, statement.slice(0, 120)).toBeTruthy();
    }
  });
});
