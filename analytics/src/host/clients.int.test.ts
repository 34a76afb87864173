// The official ClickHouse clients an analyst brings, with their default settings, against the
// embedded host: clickhouse-connect (Python), clickhouse-go over HTTP, the JDBC driver. Each
// program (analytics/clients/*) connects, creates a table, inserts thousands of rows, queries
// with parameters and reads what it wrote; infra/setup.sh installs them.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { type ClickHouseHost, repoRoot, startClickHouseHost, tempDir } from "@cc/infra";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const ROWS = 5000;
// A JVM start, a Go build or a Python import on a busy two-core box; the runs take 10–35 s.
const CLIENT_TIMEOUT_MS = 240_000;
const clients = path.join(repoRoot, "analytics/clients");
const python = path.join(repoRoot, ".venv/clients/bin/python");
const go = path.join(repoRoot, "bin/go");
const jdbcLib = path.join(clients, "java/lib");

function installed(file: string, what: string): void {
  if (!existsSync(file)) {
    throw new Error(`${what} is not installed (${file} is missing): run \`sudo npm run setup\` first`);
  }
}

let host: ClickHouseHost;
let buildDir: string;

beforeAll(async () => {
  host = await startClickHouseHost();
  buildDir = await tempDir("ch-clients");
});

afterAll(async () => {
  await host?.stop();
  if (buildDir) await rm(buildDir, { recursive: true, force: true });
});

function clientEnv(table: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    CH_HOST: "127.0.0.1",
    CH_PORT: String(host.port),
    CH_ADDR: `127.0.0.1:${host.port}`,
    CH_URL: `jdbc:clickhouse://127.0.0.1:${host.port}/default`,
    CH_USER: host.writer.username,
    CH_PASSWORD: host.writer.password,
    CH_ANALYST_USER: host.analyst.username,
    CH_ANALYST_PASSWORD: host.analyst.password,
    CH_TABLE: table,
    CH_ROWS: String(ROWS),
  };
}

/** Runs a client program and parses the JSON object it prints last. */
async function runClient(file: string, args: string[], table: string, cwd?: string) {
  const { stdout } = await run(file, args, {
    env: clientEnv(table),
    cwd,
    timeout: 120_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  const last = stdout.trim().split("\n").pop() ?? "";
  return JSON.parse(last) as Record<string, unknown>;
}

// agent-3 rows below call_id 40: ids ≡ 3 (mod 7)
const SELECTED = [3, 10, 17, 24, 31, 38];

describe("real ClickHouse clients with default settings against the embedded host", () => {
  it(
    "clickhouse-connect (Python): session, lz4 insert, parameters, SET and temp tables, read-only analyst",
    async () => {
      installed(python, "clickhouse-connect (.venv/clients)");
      const out = await runClient(python, [path.join(clients, "python/probe.py")], "py_calls");
      expect(out.server_version).toMatch(/^\d+\.\d+/);
      expect(out.session_id).toMatch(/[0-9a-f-]{36}/); // clickhouse-connect opens a session by default
      expect(out.write_compression).toBe("lz4");
      expect(out.written_rows).toBe(ROWS); // from X-ClickHouse-Summary
      expect(out.count).toBe(ROWS);
      expect(out.selected).toEqual(SELECTED);
      expect(Number((out.query_summary as Record<string, string>).result_rows)).toBe(SELECTED.length);
      expect(out.sum_talk).toBe(2475);
      expect(out.session_max_threads).toBe(3);
      expect(out.temp_rows).toBe(3);
      expect(out.other_session_temp).toBe(60); // UNKNOWN_TABLE: another session has no such temp table
      expect(out.other_max_threads).not.toBe(3);
      expect(out.analyst_count).toBe(ROWS);
      // READONLY (164), or ACCESS_DENIED (497) where the access rules refuse first.
      for (const key of ["analyst_set", "analyst_drop", "analyst_temp_table"]) {
        expect([key, out[key]]).toEqual([key, expect.toBeOneOf([164, 497])]);
      }
    },
    CLIENT_TIMEOUT_MS,
  );

  it(
    "clickhouse-go v2 over HTTP: Native batch insert, parameters, read-only analyst",
    async () => {
      installed(go, "the Go toolchain (bin/go)");
      const bin = path.join(buildDir, "clickhouse-go-probe");
      await run(go, ["build", "-o", bin, "."], {
        cwd: path.join(clients, "go"),
        env: { ...process.env, GOTOOLCHAIN: "local", GOFLAGS: "-mod=readonly", GOPROXY: "off" },
        timeout: 300_000,
      });
      const out = await runClient(bin, [], "go_calls");
      expect(out.version).toMatch(/server version \d+\.\d+/);
      expect(out.inserted).toBe(ROWS);
      expect(out.count).toBe(ROWS);
      expect(out.selected).toEqual(SELECTED);
      expect(out.sumAmount).toBe((ROWS * (ROWS - 1)) / 4);
      expect(out.analystCount).toBe(ROWS);
      expect(out.analystErr).toMatch(/code: 164/);
    },
    CLIENT_TIMEOUT_MS,
  );

  it(
    "the official JDBC driver (com.clickhouse:clickhouse-jdbc): native-compressed responses, batch insert, prepared statements",
    async () => {
      installed(path.join(jdbcLib, ".pom"), "the ClickHouse JDBC driver (analytics/clients/java/lib)");
      const java = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, "bin/java") : "java";
      const out = await runClient(
        java,
        ["-cp", `${jdbcLib}/*`, path.join(clients, "java/Probe.java")],
        "jdbc_calls",
        path.join(clients, "java"),
      );
      expect(out.product).toMatch(/^\d+\.\d+/);
      expect(out.count).toBe(ROWS);
      expect(out.selected).toEqual(SELECTED);
      expect(out.analystErr).toMatch(/READONLY/);
    },
    CLIENT_TIMEOUT_MS,
  );
});
