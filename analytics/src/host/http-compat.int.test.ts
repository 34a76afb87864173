// ClickHouse HTTP details that real clients rely on, checked on the wire: sessions
// (session_id, session_timeout, session_check, locking, per-user binding), request and response
// compression (gzip, deflate, br, zstd, lz4 frames; ClickHouse's own compress=1/decompress=1
// blocks) and binary INSERT bodies.
import { request } from "node:http";
import { promisify } from "node:util";
import zlib from "node:zlib";
import { type ClickHouseHost, startClickHouseHost } from "@cc/infra";
import { compressFrame, decompressFrame } from "lz4-napi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compressBlocks, decompressBlocks } from "./native-compression.ts";

let host: ClickHouseHost;

beforeAll(async () => {
  host = await startClickHouseHost({ env: { CH_MAX_SESSIONS: "8", CH_MAX_BODY_BYTES: String(16 << 20) } });
  await ch("writer", "CREATE TABLE calls (call_id UInt64, agent String) ENGINE = MergeTree ORDER BY call_id");
});

afterAll(async () => {
  await host?.stop();
});

type Who = "writer" | "analyst";

function auth(who: Who): string {
  const u = host[who];
  return `Basic ${Buffer.from(`${u.username}:${u.password}`).toString("base64")}`;
}

/** POSTs `body` with URL params; returns status, error code header and raw body. */
async function ch(
  who: Who,
  body: string | Buffer,
  params: Record<string, string> = {},
  headers: Record<string, string> = {},
) {
  const url = new URL(host.url);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  const res = await fetch(url, {
    method: "POST",
    headers: { authorization: auth(who), ...headers },
    body: new Uint8Array(body instanceof Buffer ? body : Buffer.from(body)),
  });
  const raw = Buffer.from(await res.arrayBuffer());
  return {
    status: res.status,
    code: res.headers.get("x-clickhouse-exception-code"),
    encoding: res.headers.get("content-encoding"),
    summary: res.headers.get("x-clickhouse-summary"),
    raw,
    text: raw.toString("utf8"),
  };
}

describe("sessions", () => {
  it("keeps SET and temporary tables within a session, for its own user only", async () => {
    const s = { session_id: "notebook-1" };
    expect((await ch("writer", "SET max_threads = 3", s)).status).toBe(200);
    expect((await ch("writer", "CREATE TEMPORARY TABLE picks (lead_id UInt64)", s)).status).toBe(200);
    expect((await ch("writer", "INSERT INTO picks VALUES (7), (8)", s)).status).toBe(200);
    expect((await ch("writer", "SELECT getSetting('max_threads'), count() FROM picks", s)).text).toBe(
      "3\t2\n",
    );
    // No session, another session, or the same id by another user: none of it is visible.
    const plain = await ch("writer", "SELECT count() FROM picks");
    expect(plain.code).toBe("60");
    expect((await ch("writer", "SELECT getSetting('max_threads')")).text).not.toBe("3\n");
    expect((await ch("writer", "SELECT count() FROM picks", { session_id: "notebook-2" })).code).toBe("60");
    const otherUser = await ch("analyst", "SELECT count() FROM picks", s);
    expect(otherUser.code).toBe("60");
  });

  it("answers SESSION_NOT_FOUND with session_check=1 and refuses bad timeouts", async () => {
    const missing = await ch("writer", "SELECT 1", { session_id: "nobody", session_check: "1" });
    expect(missing.code).toBe("372");
    expect(missing.text).toMatch(/Session nobody not found.*\(SESSION_NOT_FOUND\)/);
    const bad = await ch("writer", "SELECT 1", { session_id: "t", session_timeout: "soon" });
    expect(bad.code).toBe("374");
    expect(bad.text).toContain("Invalid session timeout: 'soon'");
    const big = await ch("writer", "SELECT 1", { session_id: "t", session_timeout: "3601" });
    expect(big.code).toBe("374");
    expect(big.text).toContain("is larger than max_session_timeout: 3600");
  });

  it("closes an idle session after session_timeout", async () => {
    const s = { session_id: "short", session_timeout: "1" };
    expect((await ch("writer", "CREATE TEMPORARY TABLE t (x UInt8)", s)).status).toBe(200);
    expect((await ch("writer", "SELECT count() FROM t", { ...s, session_check: "1" })).text).toBe("0\n");
    await new Promise((r) => setTimeout(r, 1600));
    expect((await ch("writer", "SELECT 1", { session_id: "short", session_check: "1" })).code).toBe("372");
  });

  it("locks a session while a query runs in it (SESSION_IS_LOCKED)", async () => {
    const s = { session_id: "busy" };
    const slow = ch("writer", "SELECT sleep(3)", s);
    await new Promise((r) => setTimeout(r, 1000));
    const second = await ch("writer", "SELECT 1", s);
    expect(second.code).toBe("373");
    expect(second.text).toContain("Session busy is locked by a concurrent client");
    expect((await slow).status).toBe(200);
    expect((await ch("writer", "SELECT 1", s)).text).toBe("1\n");
  });

  it("keeps the analyst read-only inside its sessions", async () => {
    const s = { session_id: "analyst-notebook" };
    expect((await ch("analyst", "SELECT count() FROM calls", s)).status).toBe(200);
    // READONLY (164), or ACCESS_DENIED (497) where the access rules refuse first.
    for (const sql of [
      "SET max_result_rows = 0",
      "SET readonly = 0",
      "CREATE TEMPORARY TABLE x (a UInt8)",
      "INSERT INTO calls VALUES (1, 'x')",
      "SELECT count() FROM file('/etc/hostname', 'LineAsString')",
    ]) {
      expect([sql, (await ch("analyst", sql, s)).code]).toEqual([sql, expect.stringMatching(/^(164|497)$/)]);
    }
    expect((await ch("analyst", "SELECT count() FROM calls", s)).status).toBe(200);
  });

  it("refuses a GET in a writer's session (it would leave the session read-only) and caps open sessions", async () => {
    const url = new URL(host.url);
    url.searchParams.set("query", "SELECT 1");
    url.searchParams.set("session_id", "get-1");
    const res = await fetch(url, { headers: { authorization: auth("writer") } });
    expect(res.headers.get("x-clickhouse-exception-code")).toBe("48");
    expect(await res.text()).toContain("send it with POST");
    const opened: number[] = [];
    for (let i = 0; i < 10; i++) {
      opened.push((await ch("writer", "SELECT 1", { session_id: `cap-${i}`, session_timeout: "5" })).status);
    }
    expect(opened.filter((s) => s === 200).length).toBeLessThan(10);
    const over = await ch("writer", "SELECT 1", { session_id: "cap-over" });
    expect(over.code).toBe("290");
    expect(over.text).toContain("Too many open sessions");
    // Requests without a session are not limited by it.
    expect((await ch("writer", "SELECT 1")).text).toBe("1\n");
  });
});

const encoders: Record<string, (b: Buffer) => Promise<Buffer>> = {
  gzip: promisify(zlib.gzip),
  deflate: promisify(zlib.deflate),
  br: promisify(zlib.brotliCompress),
  zstd: promisify(zlib.zstdCompress),
  lz4: (b) => compressFrame(b),
};
const decoders: Record<string, (b: Buffer) => Promise<Buffer>> = {
  gzip: promisify(zlib.gunzip),
  deflate: promisify(zlib.inflate),
  br: promisify(zlib.brotliDecompress),
  zstd: promisify(zlib.zstdDecompress),
  lz4: (b) => decompressFrame(b),
};

/** node:http, not fetch: fetch would undo the response's Content-Encoding before we see it. */
function rawPost(sql: string, headers: Record<string, string>) {
  return new Promise<{ encoding: string | undefined; raw: Buffer }>((resolve, reject) => {
    const req = request(
      `${host.url}/?enable_http_compression=1`,
      { method: "POST", headers: { authorization: auth("writer"), ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ encoding: res.headers["content-encoding"], raw: Buffer.concat(chunks) }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(sql);
  });
}

describe("compression", () => {
  it.each(Object.keys(encoders))("reads %s request bodies and answers in the same encoding", async (name) => {
    const rows = Array.from({ length: 2000 }, (_, i) => JSON.stringify({ call_id: i, agent: name }));
    const body = await encoders[name]!(Buffer.from(rows.join("\n")));
    const query = "INSERT INTO calls FORMAT JSONEachRow";
    const ins = await ch("writer", body, { query }, { "content-encoding": name });
    expect(ins.status).toBe(200);
    expect(JSON.parse(String(ins.summary)).written_rows).toBe("2000");
    const sel = await rawPost(`SELECT count() FROM calls WHERE agent = '${name}'`, {
      "accept-encoding": name,
    });
    expect(sel.encoding).toBe(name);
    expect((await decoders[name]!(sel.raw)).toString()).toBe("2000\n");
  });

  it("answers uncompressed without enable_http_compression=1, and refuses unknown encodings", async () => {
    const plain = await ch("writer", "SELECT 1", {}, { "accept-encoding": "gzip" });
    expect(plain.encoding).toBeNull();
    expect(plain.text).toBe("1\n");
    const bad = await ch("writer", "SELECT 1", {}, { "content-encoding": "snappy" });
    expect(bad.code).toBe("779");
    expect(bad.text).toContain("Unknown Content-Encoding 'snappy'");
  });

  it("refuses an lz4 body whose frames would inflate past the body limit, before inflating it", async () => {
    const big = await compressFrame(Buffer.alloc(64 << 20)); // ~256 KiB of frames
    const res = await ch(
      "writer",
      big,
      { query: "INSERT INTO calls FORMAT JSONEachRow" },
      { "content-encoding": "lz4" },
    );
    expect(res.status).toBe(413);
  });

  it("speaks ClickHouse's compressed blocks both ways (compress=1, decompress=1), LZ4 and ZSTD", async () => {
    const sql = Buffer.from("SELECT number * 3 FROM numbers(100000) FORMAT TSV");
    for (const method of ["LZ4", "ZSTD"]) {
      const res = await ch("writer", compressBlocks(sql, method), {
        compress: "1",
        decompress: "1",
        network_compression_method: method,
      });
      expect(res.status).toBe(200);
      expect(res.raw[16]).toBe(method === "LZ4" ? 0x82 : 0x90);
      const lines = decompressBlocks(res.raw, 1 << 30)
        .toString()
        .trimEnd()
        .split("\n");
      expect(lines).toHaveLength(100000);
      expect(lines[99999]).toBe("299997");
    }
    const corrupt = compressBlocks(sql, "LZ4");
    corrupt[3] = (corrupt[3] ?? 0) ^ 0xff;
    const bad = await ch("writer", corrupt, { decompress: "1" });
    expect(bad.code).toBe("271");
    expect(bad.text).toContain("checksum doesn't match");
  });
});

describe("binary INSERT bodies", () => {
  it("inserts RowBinary with NUL bytes and invalid UTF-8 byte for byte, reporting written rows", async () => {
    const rows: Buffer[] = [];
    for (let i = 0; i < 3000; i++) {
      const id = Buffer.alloc(8);
      id.writeBigUInt64LE(BigInt(1_000_000 + i));
      const agent = Buffer.from([0x00, 0xff, 0xfe, 0x41 + (i % 26)]);
      rows.push(id, Buffer.from([agent.length]), agent);
    }
    const res = await ch("writer", Buffer.concat(rows), { query: "INSERT INTO calls FORMAT RowBinary" });
    expect(res.status).toBe(200);
    expect(JSON.parse(String(res.summary)).written_rows).toBe("3000");
    const check = await ch(
      "writer",
      "SELECT count(), hex(any(agent)) FROM calls WHERE call_id >= 1000000 AND agent = unhex('00FFFE41')",
    );
    expect(check.text).toBe("116\t00FFFE41\n");
  });
});
