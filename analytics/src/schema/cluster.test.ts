import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ClusterDdlError, clusterStatements, generateClusterSchema } from "./cluster.ts";
import { loadMigrations, MIGRATIONS_DIR } from "./migrate.ts";

const CHECKED_IN = path.resolve(MIGRATIONS_DIR, "../../infra/cluster/cluster-schema.sql");
const CREATED = /^CREATE (?:TABLE|VIEW|MATERIALIZED VIEW) IF NOT EXISTS (\w+)/gm;

/** Names of every object the SQL text creates, with the engine clause of tables. */
function createdNames(sql: string): Set<string> {
  return new Set([...sql.matchAll(CREATED)].map((m) => m[1] as string));
}

describe("cluster DDL generated from the migrations", () => {
  it("is what infra/cluster/cluster-schema.sql holds (regenerate with npm run cluster-schema)", async () => {
    expect(await readFile(CHECKED_IN, "utf8")).toBe(await generateClusterSchema());
  });

  it("gives every single-node object a cluster twin, and every table a replicated local part", async () => {
    const single = (await loadMigrations()).flatMap((m) => m.statements).join(";\n");
    const cluster = await generateClusterSchema();
    const twins = createdNames(cluster);
    const names = createdNames(single);
    expect(names.size).toBeGreaterThan(40);
    for (const name of names) expect(twins, name).toContain(name);
    for (const m of single.matchAll(/^CREATE TABLE IF NOT EXISTS (\w+)/gm)) {
      expect(cluster).toMatch(new RegExp(`CREATE TABLE IF NOT EXISTS ${m[1]}_local ON CLUSTER cc\\n\\(`));
      expect(cluster).toContain(`ENGINE = Distributed(cc, currentDatabase(), ${m[1]}_local,`);
    }
    expect(cluster).not.toMatch(/ENGINE = (?!Replicated|Distributed)\w+/);
  });

  it("points views at the local tables and keeps engine arguments after the replication path", () => {
    const tables = new Set<string>();
    const [local, dist] = clusterStatements(
      "-- a note\nCREATE TABLE IF NOT EXISTS t\n(\n    org_id String,\n    v UInt64,\n    at DateTime\n)\nENGINE = ReplacingMergeTree(at)\nORDER BY org_id\nSETTINGS non_replicated_deduplication_window = 100",
      tables,
    );
    expect(local).toContain(
      "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/t', '{replica}', at)",
    );
    expect(local).toContain("SETTINGS replicated_deduplication_window = 100");
    expect(dist).toBe(
      "CREATE TABLE IF NOT EXISTS t ON CLUSTER cc AS t_local\nENGINE = Distributed(cc, currentDatabase(), t_local, cityHash64(org_id))",
    );
    const [mv] = clusterStatements(
      "CREATE MATERIALIZED VIEW IF NOT EXISTS t_mv TO t AS\nSELECT org_id, count() AS v FROM t WHERE org_id IN (SELECT org_id FROM t) GROUP BY org_id",
      tables,
    );
    expect(mv).toBe(
      "CREATE MATERIALIZED VIEW IF NOT EXISTS t_mv ON CLUSTER cc TO t_local AS\nSELECT org_id, count() AS v FROM t_local WHERE org_id IN (SELECT org_id FROM t) GROUP BY org_id",
    );
    const [view] = clusterStatements("CREATE VIEW IF NOT EXISTS v AS SELECT * FROM t", tables);
    expect(view).toBe("CREATE VIEW IF NOT EXISTS v ON CLUSTER cc AS SELECT * FROM t");
    const [, noOrg] = clusterStatements(
      "CREATE TABLE IF NOT EXISTS r\n(\n    k String\n)\nENGINE = MergeTree\nORDER BY k",
      tables,
    );
    expect(noOrg).toContain("r_local, rand())");
  });

  it("refuses a statement it has no cluster form for, naming it", () => {
    expect(() => clusterStatements("ALTER TABLE events ADD COLUMN x UInt8", new Set())).toThrow(
      ClusterDdlError,
    );
    expect(() => clusterStatements("ALTER TABLE events ADD COLUMN x UInt8", new Set())).toThrow(
      /ALTER TABLE/,
    );
  });
});
