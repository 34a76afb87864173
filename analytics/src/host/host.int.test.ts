import { gunzipSync } from "node:zlib";
import { createClickHouse } from "@cc/analytics";
import { type ClickHouseHost, startClickHouseHost, tempDir } from "@cc/infra";
import { type ClickHouseClient, ClickHouseError } from "@clickhouse/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let host: ClickHouseHost;
let writer: ClickHouseClient;
let analyst: ClickHouseClient;
const table = `t_${Math.random().toString(36).slice(2, 10)}`;

async function chError(p: Promise<unknown>): Promise<ClickHouseError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ClickHouseError);
    return err as ClickHouseError;
  }
  throw new Error("expected a ClickHouse error");
}

beforeAll(async () => {
  host = await startClickHouseHost({
    env: {
      CH_ANALYST_MAX_EXECUTION_TIME: "1",
      CH_ANALYST_MAX_ROWS_TO_READ: "1000000",
      CH_ANALYST_MAX_RESULT_ROWS: "1000",
      CH_ANALYST_MAX_MEMORY_USAGE: String(20 * 1024 * 1024),
    },
  });
  writer = createClickHouse({ url: host.url, ...host.writer });
  analyst = createClickHouse({ url: host.url, ...host.analyst });
  await writer.command({
    query: `CREATE TABLE ${table} (id UInt32, name String, at DateTime64(3, 'UTC')) ENGINE = MergeTree ORDER BY id`,
  });
});

afterAll(async () => {
  await writer?.close();
  await analyst?.close();
  await host?.stop();
});

describe("embedded ClickHouse host with @clickhouse/client", () => {
  it("answers /ping and /health without credentials", async () => {
    for (const p of ["/ping", "/health"]) {
      const res = await fetch(`${host.url}${p}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe("Ok.\n");
    }
    expect((await writer.ping()).success).toBe(true);
  });

  it("inserts JSONEachRow and selects with typed query parameters", async () => {
    const rows = Array.from({ length: 50 }, (_, i) => ({
      id: i,
      name: i % 2 ? `o'dd\t${i}` : `even\\${i}`,
      at: `2026-01-01 00:00:${String(i % 60).padStart(2, "0")}.250`,
    }));
    const ins = await writer.insert({ table, values: rows, format: "JSONEachRow" });
    expect(Number(ins.summary?.written_rows)).toBe(50);
    const rs = await writer.query({
      query: `SELECT id, name FROM ${table} WHERE id >= {min:UInt32} AND name IN {names:Array(String)} ORDER BY id`,
      query_params: { min: 1, names: ["o'dd\t1", "even\\2", "o'dd\t3", "missing"] },
      format: "JSONEachRow",
    });
    expect(await rs.json()).toEqual([
      { id: 1, name: "o'dd\t1" },
      { id: 2, name: "even\\2" },
      { id: 3, name: "o'dd\t3" },
    ]);
  });

  it("echoes the query id, generates one when absent, and sets format/summary headers", async () => {
    const rs = await writer.query({ query: "SELECT 1 AS n", format: "JSON", query_id: "my-query-42" });
    expect(rs.query_id).toBe("my-query-42");
    expect(rs.response_headers["x-clickhouse-query-id"]).toBe("my-query-42");
    expect(rs.response_headers["x-clickhouse-format"]).toBe("JSON");
    expect(JSON.parse(String(rs.response_headers["x-clickhouse-summary"]))).toHaveProperty("elapsed_ns");
    const res = await fetch(`${host.url}/?query=SELECT%201`, {
      headers: { "X-ClickHouse-User": host.writer.username, "X-ClickHouse-Key": host.writer.password },
    });
    expect(await res.text()).toBe("1\n");
    expect(res.headers.get("x-clickhouse-query-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("carries the ClickHouse code, type and HTTP status of errors", async () => {
    const unknown = await chError(
      writer.query({ query: "SELECT * FROM no_such_table_here", format: "JSONEachRow" }),
    );
    expect(unknown.code).toBe("60");
    expect(unknown.type).toBe("UNKNOWN_TABLE");
    const syntax = await chError(writer.command({ query: "SELEC 1" }));
    expect(syntax.code).toBe("62");
    const auth = `Basic ${Buffer.from(`${host.writer.username}:${host.writer.password}`).toString("base64")}`;
    const res = await fetch(`${host.url}/`, {
      method: "POST",
      body: "SELEC 1",
      headers: { Authorization: auth },
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("x-clickhouse-exception-code")).toBe("62");
    expect(await res.text()).toMatch(/^Code: 62\. DB::Exception: .*\(SYNTAX_ERROR\)/s);
    const res404 = await fetch(`${host.url}/?query=SELECT%20*%20FROM%20nope`, {
      headers: { Authorization: auth },
    });
    expect(res404.status).toBe(404);
  });

  it("rejects a wrong password with 516 AUTHENTICATION_FAILED / 403", async () => {
    const bad = createClickHouse({
      url: host.url,
      username: host.analyst.username,
      password: "not-the-password",
    });
    const err = await chError(bad.query({ query: "SELECT 1" }));
    expect(err.code).toBe("516");
    expect(err.type).toBe("AUTHENTICATION_FAILED");
    await bad.close();
    const res = await fetch(`${host.url}/?query=SELECT%201&user=nobody&password=x`);
    expect(res.status).toBe(403);
    const metrics = await fetch(`${host.url}/metrics`);
    expect(metrics.status).toBe(401);
  });

  it("works with gzip compression both ways", async () => {
    const gz = createClickHouse({ url: host.url, ...host.writer, compression: true });
    await gz.insert({
      table,
      values: [{ id: 1000, name: "gz", at: "2026-01-02 00:00:00.000" }],
      format: "JSONEachRow",
    });
    const rs = await gz.query({ query: `SELECT name FROM ${table} WHERE id = 1000`, format: "JSONEachRow" });
    expect(await rs.json()).toEqual([{ name: "gz" }]);
    await gz.close();
    const res = await fetch(
      `${host.url}/?query=SELECT%20count()%20FROM%20${table}&enable_http_compression=1`,
      {
        headers: { ...basic(host.writer), "Accept-Encoding": "gzip" },
        // fetch would transparently decompress; read raw bytes via decompress: false
      },
    );
    expect(res.headers.get("content-encoding")).toBe("gzip");
    expect((await res.text()).trim()).toBe("51");
    const raw = await rawGet(`/?query=SELECT%2042&enable_http_compression=1`, {
      ...basic(host.writer),
      "Accept-Encoding": "gzip",
    });
    expect(gunzipSync(raw).toString()).toBe("42\n");
  });

  it("analyst: reads, but cannot write, change schema or lift its limits", async () => {
    const rs = await analyst.query({
      query: `SELECT toUInt32(count()) AS n FROM ${table}`,
      format: "JSONEachRow",
    });
    expect(await rs.json()).toEqual([{ n: 51 }]);
    const forbidden = [
      () =>
        analyst.insert({
          table,
          values: [{ id: 9999, name: "x", at: "2026-01-01 00:00:00.000" }],
          format: "JSONEachRow",
        }),
      () => analyst.command({ query: `DROP TABLE ${table}` }),
      () => analyst.command({ query: `ALTER TABLE ${table} DELETE WHERE 1` }),
      () => analyst.command({ query: "CREATE TABLE analyst_t (x UInt8) ENGINE = MergeTree ORDER BY x" }),
      () => analyst.command({ query: "SET readonly = 0" }),
      () => analyst.query({ query: "SELECT 1", clickhouse_settings: { readonly: "0" } }),
      () => analyst.query({ query: "SELECT 1 SETTINGS max_rows_to_read = 0" }),
    ];
    for (const run of forbidden) {
      const err = await chError(run());
      expect(err.code).toBe("164");
      expect(err.type).toBe("READONLY");
    }
    // Files are refused to every identity before the engine runs anything (access.ts).
    const file = await chError(
      analyst.query({ query: "SELECT * FROM file('/etc/hostname', 'LineAsString')" }),
    );
    expect(file.type).toBe("ACCESS_DENIED");
    const after = await writer.query({
      query: `SELECT toUInt32(count()) AS n FROM ${table}`,
      format: "JSONEachRow",
    });
    expect(await after.json()).toEqual([{ n: 51 }]);
  });

  it("analyst: the engine enforces time, rows-to-read, result-rows and memory limits", async () => {
    const slow = await chError(analyst.query({ query: "SELECT sleep(2)" }));
    expect(slow.code).toBe("159");
    // Asking for a larger limit does not lift it (profile-limits.ts: the lower one applies).
    const asked = await chError(
      analyst.query({ query: "SELECT sleep(2)", clickhouse_settings: { max_execution_time: 600 } }),
    );
    expect(asked.code).toBe("159");
    const read = await chError(analyst.query({ query: "SELECT count() FROM numbers(5000000)" }));
    expect(read.code).toBe("158");
    const result = await chError(analyst.query({ query: "SELECT number FROM numbers(5000)" }));
    expect(result.code).toBe("396");
    const mem = await chError(analyst.query({ query: "SELECT groupArray(number) FROM numbers(900000)" }));
    expect(mem.code).toBe("241");
    // The same queries are fine for the writer (no analyst profile).
    const ok = await writer.query({
      query: "SELECT toUInt32(count()) AS n FROM numbers(5000000)",
      format: "JSONEachRow",
    });
    expect(await ok.json()).toEqual([{ n: 5000000 }]);
  });

  it("keeps data across a restart on the same data directory", async () => {
    const dataDir = await tempDir("clickhouse-restart");
    const first = await startClickHouseHost({ dataDir });
    const c1 = createClickHouse({ url: first.url, ...first.writer });
    await c1.command({ query: "CREATE TABLE kept (id UInt32) ENGINE = MergeTree ORDER BY id" });
    await c1.insert({ table: "kept", values: [{ id: 1 }, { id: 2 }, { id: 3 }], format: "JSONEachRow" });
    await c1.close();
    await first.stop();
    const second = await startClickHouseHost({ dataDir });
    const c2 = createClickHouse({ url: second.url, ...second.writer });
    const rs = await c2.query({
      query: "SELECT toUInt32(sum(id)) AS s, toUInt32(count()) AS n FROM kept",
      format: "JSONEachRow",
    });
    expect(await rs.json()).toEqual([{ s: 6, n: 3 }]);
    await c2.close();
    await second.stop();
  });
});

function basic(u: { username: string; password: string }): Record<string, string> {
  return { Authorization: `Basic ${Buffer.from(`${u.username}:${u.password}`).toString("base64")}` };
}

async function rawGet(pathAndQuery: string, headers: Record<string, string>): Promise<Buffer> {
  const { request } = await import("node:http");
  return new Promise((resolve, reject) => {
    const req = request(`${host.url}${pathAndQuery}`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve(Buffer.concat(chunks)));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}
