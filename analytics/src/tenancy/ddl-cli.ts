// Prints the access DDL for a real ClickHouse server (analytics/README.md, "Tenant isolation"):
//   npm run clickhouse-access -- --secrets .cc-data/secrets.json --database cc --org acme --org beta
// Passwords come from npm start's secrets.json (or CLICKHOUSE_*_PASSWORD / CLICKHOUSE_ORG_ANALYST_SECRET).
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { z } from "zod";
import { accessDdl } from "./ddl.ts";

const SecretsFile = z.object({
  clickhouse_writer_password: z.string().optional(),
  clickhouse_analyst_password: z.string().optional(),
  clickhouse_migrator_password: z.string().optional(),
  clickhouse_org_analyst_secret: z.string().optional(),
});

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      secrets: { type: "string" },
      database: { type: "string", default: "default" },
      org: { type: "string", multiple: true, default: [] },
      writer: { type: "string", default: "cc_writer" },
      migrator: { type: "string", default: "cc_migrator" },
      analyst: { type: "string", default: "analyst" },
    },
  });
  const file = values.secrets ? SecretsFile.parse(JSON.parse(await readFile(values.secrets, "utf8"))) : {};
  const env = process.env;
  const user = (username: string, password: string | undefined) =>
    password ? { username, password } : undefined;
  const statements = accessDdl({
    database: values.database,
    orgs: values.org,
    orgAnalystSecret: file.clickhouse_org_analyst_secret ?? env.CLICKHOUSE_ORG_ANALYST_SECRET,
    writer: user(values.writer, file.clickhouse_writer_password ?? env.CLICKHOUSE_PASSWORD),
    migrator: user(values.migrator, file.clickhouse_migrator_password ?? env.CLICKHOUSE_MIGRATOR_PASSWORD),
    analyst: user(values.analyst, file.clickhouse_analyst_password ?? env.CLICKHOUSE_ANALYST_PASSWORD),
  });
  process.stdout.write(`${statements.join(";\n")};\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`access-ddl: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
});
