// npm run cluster-schema [-- --check] [--cluster NAME] [--shard-key EXPR] [--out FILE]
// Writes the replicated/sharded DDL generated from the migrations (default
// infra/cluster/cluster-schema.sql); --check fails when the file is out of date.
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_CLUSTER, generateClusterSchema } from "./cluster.ts";
import { MIGRATIONS_DIR } from "./migrate.ts";

export const CLUSTER_SCHEMA_FILE = path.resolve(MIGRATIONS_DIR, "../../infra/cluster/cluster-schema.sql");

const { values } = parseArgs({
  options: {
    check: { type: "boolean", default: false },
    cluster: { type: "string", default: DEFAULT_CLUSTER.cluster },
    "shard-key": { type: "string", default: DEFAULT_CLUSTER.shardKey },
    out: { type: "string", default: CLUSTER_SCHEMA_FILE },
  },
});
const sql = await generateClusterSchema({ cluster: values.cluster, shardKey: values["shard-key"] });
if (values.check) {
  const current = await readFile(values.out, "utf8").catch(() => "");
  if (current !== sql) {
    console.error(`${values.out} is out of date: run npm run cluster-schema`);
    process.exit(1);
  }
  console.log(`${values.out} is up to date`);
} else {
  await writeFile(values.out, sql);
  console.log(`wrote ${values.out}`);
}
