import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, type ManagedProcess, spawnManaged, stopAndRelease, tempDir } from "./process.ts";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

export interface ClickHouseHost extends AsyncDisposable {
  /** Base URL of the ClickHouse HTTP interface, e.g. http://127.0.0.1:8123 */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  readonly writer: { username: string; password: string };
  readonly analyst: { username: string; password: string };
  /**
   * Schema changes (migrate). With `separateMigrator` a user of its own and the writer has no
   * DDL; otherwise the writer itself (test fixtures create their tables with it).
   */
  readonly migrator: { username: string; password: string };
  /**
   * The report refresher (precompute tables only). With `separateMigrator` a user of its own that
   * inserts only into those tables, without DDL; otherwise the writer itself.
   */
  readonly refresher: { username: string; password: string };
  /** Org analysts `analyst.<org>` authenticate with @cc/analytics' orgAnalystCredentials(this, org). */
  readonly orgAnalystSecret: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

export interface ClickHouseHostOptions {
  port?: number;
  dataDir?: string;
  writerPassword?: string;
  analystPassword?: string;
  orgAnalystSecret?: string;
  /** A migrator user holds DDL and the writer only inserts and reads (npm start does this). */
  separateMigrator?: boolean;
  migratorPassword?: string;
  refresherPassword?: string;
  onLine?: (line: string) => void;
  /** Extra env for the host (limits etc.). */
  env?: Record<string, string>;
}

/**
 * The embedded ClickHouse host: one Node process that owns chDB and serves the
 * ClickHouse HTTP interface (analytics/src/host/main.ts).
 */
export async function startClickHouseHost(opts: ClickHouseHostOptions = {}): Promise<ClickHouseHost> {
  const port = opts.port ?? (await freePort());
  const dataDir = opts.dataDir ?? (await tempDir("clickhouse"));
  await mkdir(dataDir, { recursive: true });
  const writer = { username: "cc_writer", password: opts.writerPassword ?? "writer-test-password" };
  const analyst = { username: "analyst", password: opts.analystPassword ?? "analyst-test-password" };
  const orgAnalystSecret = opts.orgAnalystSecret ?? "org-analyst-test-secret";
  const migrator = opts.separateMigrator
    ? { username: "cc_migrator", password: opts.migratorPassword ?? "migrator-test-password" }
    : writer;
  const refresher = opts.separateMigrator
    ? { username: "cc_refresher", password: opts.refresherPassword ?? "refresher-test-password" }
    : writer;
  const proc = await spawnManaged({
    name: "clickhouse-host",
    command: process.execPath,
    args: [path.join(repoRoot, "analytics/src/host/main.ts")],
    env: {
      ...process.env,
      CH_HOST_PORT: String(port),
      CH_DATA_DIR: dataDir,
      CH_WRITER_USER: writer.username,
      CH_WRITER_PASSWORD: writer.password,
      CH_ANALYST_USER: analyst.username,
      CH_ANALYST_PASSWORD: analyst.password,
      CH_ORG_ANALYST_SECRET: orgAnalystSecret,
      ...(opts.separateMigrator
        ? {
            CH_MIGRATOR_USER: migrator.username,
            CH_MIGRATOR_PASSWORD: migrator.password,
            CH_REFRESHER_USER: refresher.username,
            CH_REFRESHER_PASSWORD: refresher.password,
          }
        : {}),
      ...opts.env,
    },
    ready: async () => {
      const res = await fetch(`http://127.0.0.1:${port}/ping`);
      return res.ok && (await res.text()) === "Ok.\n";
    },
    readyTimeoutMs: 60_000,
    onLine: opts.onLine,
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    dataDir,
    writer,
    analyst,
    migrator,
    refresher,
    orgAnalystSecret,
    process: proc,
    stop: () => stopAndRelease(proc, dataDir, opts.dataDir),
    [Symbol.asyncDispose]: () => stopAndRelease(proc, dataDir, opts.dataDir),
  };
}
