// npm run bench -- host-floor [--quick]
// The embedded ClickHouse host's per-query floor, layer by layer, on an empty data directory:
// chDB in this process (a kept connection; a fresh one per query, as the host opens), the
// host's HTTP /ping, `SELECT 1` and a query with bound parameters through plain fetch and
// through @clickhouse/client (what the services use). Beside the latencies: the host
// process's own CPU time per request (from /proc; robust when the shared box is loaded,
// unlike wall time) and the 1-minute load average.
import { readFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { createClickHouse } from "@cc/analytics";
import { startClickHouseHost, tempDir } from "@cc/infra";
import { Session } from "chdb";
import type { BenchOptions } from "./types.ts";

const r3 = (n: number) => Math.round(n * 1000) / 1000;

function stats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => r3(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? Number.NaN);
  return { n: s.length, p50: at(50), p95: at(95), p99: at(99) };
}

/** utime + stime of a process in ms (Linux /proc; clock ticks are 100 Hz there). */
async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function measure(n: number, f: () => Promise<unknown>, pid?: number) {
  for (let i = 0; i < Math.min(200, n); i++) await f(); // warm-up (connections, caches)
  const cpu0 = pid ? await cpuMs(pid) : 0;
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await f();
    xs.push(performance.now() - t);
  }
  const hostCpuUs = pid ? r3((((await cpuMs(pid)) - cpu0) * 1000) / n) : undefined;
  return {
    ...stats(xs),
    ...(hostCpuUs === undefined ? {} : { host_cpu_us_per_request: hostCpuUs }),
    load1: r3(loadavg()[0] ?? 0),
  };
}

/** The HTTP rows against one host started with CH_SPARE_CONNECTIONS = `spares`. */
async function hostRows(n: number, spares: number, log: (m: string) => void) {
  const out: Record<string, unknown> = {};
  const tag = `spare=${spares}`;
  await using host = await startClickHouseHost({
    env: { CH_LOG_LEVEL: "warn", CH_SPARE_CONNECTIONS: String(spares) },
  });
  const pid = host.process.pid;
  const auth = `Basic ${Buffer.from(`${host.writer.username}:${host.writer.password}`).toString("base64")}`;
  const get = async (path: string) => {
    const res = await fetch(`${host.url}${path}`, { headers: { authorization: auth } });
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
    return res.text();
  };
  log(`host (${tag}) on ${host.url}, ${n} requests per row`);
  if (spares === 0) out["HTTP /ping (fetch)"] = await measure(n, () => get("/ping"), pid);
  out[`SELECT 1 (fetch, ${tag})`] = await measure(n, () => get("/?query=SELECT%201"), pid);
  out[`SELECT {x} bound parameter (fetch, ${tag})`] = await measure(
    n,
    () => get(`/?param_x=7&query=${encodeURIComponent("SELECT {x:UInt8}")}`),
    pid,
  );
  const ch = createClickHouse({ url: host.url, ...host.writer });
  try {
    out[`SELECT 1 (@clickhouse/client, ${tag})`] = await measure(
      n,
      async () => (await ch.query({ query: "SELECT 1 AS x", format: "JSONEachRow" })).json(),
      pid,
    );
    out[`SELECT {x} (@clickhouse/client, ${tag})`] = await measure(
      n,
      async () =>
        (
          await ch.query({ query: "SELECT {x:UInt8} AS x", query_params: { x: 7 }, format: "JSONEachRow" })
        ).json(),
      pid,
    );
  } finally {
    await ch.close();
  }
  return out;
}

export async function run({ quick }: BenchOptions): Promise<Record<string, unknown>> {
  const n = quick ? 1_000 : 5_000;
  const out: Record<string, unknown> = {};
  const log = (m: string) => console.log(`[host-floor] ${m}`);

  // chDB alone, in this process.
  const dir = await tempDir("chdb-floor");
  const kept = new Session(dir);
  try {
    out["chDB SELECT 1, kept connection"] = await measure(n, () =>
      kept.queryAsync("SELECT 1", { format: "TabSeparated" }),
    );
    out["chDB SELECT 1, fresh connection"] = await measure(n, async () => {
      const s = new Session(dir);
      try {
        await s.queryAsync("SELECT 1", { format: "TabSeparated" });
      } finally {
        s.close();
      }
    });
  } finally {
    kept.close();
  }

  // The host with connections opened per request (CH_SPARE_CONNECTIONS=0, as before) and ahead.
  for (const spares of [0, 8]) Object.assign(out, await hostRows(n, spares, log));
  console.table(out);
  return { requests_per_row: n, rows_ms: out };
}
