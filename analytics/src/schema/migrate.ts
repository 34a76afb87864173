// Schema migrations: analytics/migrations/NNN_name.sql, applied in file-name order, each
// statement idempotent (IF NOT EXISTS), versions recorded in `schema_migrations`.
// Runs unchanged on the embedded host and on a ClickHouse server >= 24 (single node; see
// infra/cluster/README.md for the replicated variants).
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ClickHouseClient } from "@clickhouse/client";
import { z } from "zod";
import { splitStatements } from "./split.ts";

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../migrations");

const FILE_RE = /^(\d{3,})_[a-z0-9_]+\.sql$/;

export class MigrationError extends Error {
  override name = "MigrationError";
  readonly code = "MIGRATION_FAILED";
  readonly version: string;
  constructor(version: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.version = version;
  }
}

export interface MigrationFile {
  version: string;
  file: string;
  checksum: string;
  statements: string[];
}

export interface MigrateResult {
  applied: string[];
  skipped: string[];
  /** Applied earlier, but the file has changed since (statements are not re-run). */
  changed: string[];
}

export async function loadMigrations(dir: string = MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const names = (await readdir(dir)).filter((f) => f.endsWith(".sql")).sort();
  const files: MigrationFile[] = [];
  for (const file of names) {
    const m = FILE_RE.exec(file);
    if (!m) throw new MigrationError(file, `migration file '${file}' must be named NNN_lower_snake.sql`);
    const text = await readFile(path.join(dir, file), "utf8");
    files.push({
      version: file.replace(/\.sql$/, ""),
      file,
      checksum: createHash("sha256").update(text).digest("hex"),
      statements: splitStatements(text),
    });
  }
  return files;
}

const AppliedRow = z.object({ version: z.string(), checksum: z.string() });

export const CREATE_LEDGER = `CREATE TABLE IF NOT EXISTS schema_migrations
(
    version    String,
    checksum   String,
    applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(applied_at)
ORDER BY version`;

/**
 * Applies every migration not yet recorded. Safe to run concurrently from several
 * services and after a crash mid-file: every statement is IF NOT EXISTS and the version is
 * recorded only after all of a file's statements succeeded.
 */
export async function migrate(
  client: ClickHouseClient,
  opts: { dir?: string; log?: (msg: string) => void } = {},
): Promise<MigrateResult> {
  const log = opts.log ?? (() => {});
  await client.command({ query: CREATE_LEDGER });
  const rs = await client.query({
    query: "SELECT version, argMax(checksum, applied_at) AS checksum FROM schema_migrations GROUP BY version",
    format: "JSONEachRow",
  });
  const applied = new Map(
    z
      .array(AppliedRow)
      .parse(await rs.json())
      .map((r) => [r.version, r.checksum]),
  );
  const result: MigrateResult = { applied: [], skipped: [], changed: [] };
  for (const m of await loadMigrations(opts.dir)) {
    const seen = applied.get(m.version);
    if (seen !== undefined) {
      result.skipped.push(m.version);
      if (seen !== m.checksum) result.changed.push(m.version);
      continue;
    }
    for (const [i, statement] of m.statements.entries()) {
      try {
        await client.command({ query: statement });
      } catch (err) {
        throw new MigrationError(
          m.version,
          `migration ${m.file} statement ${i + 1}/${m.statements.length} failed: ${(err as Error).message}`,
          { cause: err },
        );
      }
    }
    await client.insert({
      table: "schema_migrations",
      values: [{ version: m.version, checksum: m.checksum }],
      format: "JSONEachRow",
    });
    log(`applied migration ${m.file} (${m.statements.length} statements)`);
    result.applied.push(m.version);
  }
  return result;
}
