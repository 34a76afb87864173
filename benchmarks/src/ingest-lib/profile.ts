// Where each event's microseconds go in `npm run bench -- ingest`: CPU per process (from
// /proc, so the servers' own work counts too), the sink's own stage timers
// (sink_stage_seconds_total), and the raw ClickHouse insert ceiling for the same rows.
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { Readable } from "node:stream";
import { finished } from "node:stream/promises";
import { EVENT_COLUMNS, type EventRow, encodeRowBinary, eventToRow } from "@cc/ingest";
import type { ClickHouseClient } from "@clickhouse/client";

const CLK_TCK = 100;

async function cpuTicks(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces): utime and stime are the 14th and 15th.
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(rest[11]) + Number(rest[12]);
}

/** CPU seconds several processes spend over a phase. */
export class CpuWatch {
  readonly #pids: Record<string, number>;
  #start: Record<string, number> = {};
  constructor(pids: Record<string, number>) {
    this.#pids = pids;
  }
  async begin(): Promise<void> {
    for (const [name, pid] of Object.entries(this.#pids)) this.#start[name] = await cpuTicks(pid);
  }
  /** CPU seconds per process since begin(). */
  async end(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const [name, pid] of Object.entries(this.#pids)) {
      out[name] = ((await cpuTicks(pid)) - (this.#start[name] ?? 0)) / CLK_TCK;
    }
    return out;
  }
}

/** The sink's per-stage wall seconds (cumulative) from its /metrics text. */
export function stageSeconds(metricsText: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of metricsText.matchAll(/^sink_stage_seconds_total\{stage="([a-z_]+)"\} (\S+)$/gm)) {
    out[m[1] as string] = Number(m[2]);
  }
  return out;
}

export const usPerEvent = (seconds: number, events: number) =>
  Math.round(((seconds * 1e6) / Math.max(1, events)) * 10) / 10;

/** Rows shaped like the bench publisher's events (call.answered, ~560 bytes of JSON each). */
function benchRows(n: number, seqBase: number): EventRow[] {
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => {
    const k = seqBase + i;
    return eventToRow(
      {
        id: randomUUID(),
        occurred_at: new Date(now + i).toISOString(),
        org_id: "bench-raw",
        schema_version: 1,
        attempt_id: `att-${k}`,
        campaign_id: `camp-${k % 8}`,
        lead_id: `lead-${k}`,
        kind: "call.answered",
        detection: k % 5 === 0 ? "machine" : "human",
        detect_ms: 300 + (k % 900),
        ring_s: 3 + (k % 20),
      } as Parameters<typeof eventToRow>[0],
      k,
    );
  });
}

async function insertBody(ch: ClickHouseClient, query: string, body: Buffer): Promise<void> {
  const r = await ch.exec({ query, values: Readable.from([body]) });
  r.stream.resume();
  await finished(r.stream);
}

export interface InsertCeiling {
  rows_per_s: number;
  us_per_row: number;
}

/**
 * Raw ClickHouse insert ceilings through the same HTTP interface the sink uses, batches of
 * `batchRows`: into a copy of `events` without materialized views, and into `events` itself
 * (all its views), as JSONEachRow and as RowBinary. Encoding is outside the timing (the
 * sink's encode stage measures it). Leaves `events` empty.
 */
export async function clickHouseCeilings(
  ch: ClickHouseClient,
  batchRows: number,
  batches: number,
): Promise<Record<string, InsertCeiling>> {
  await ch.command({ query: "CREATE TABLE IF NOT EXISTS bench_events_plain AS events" });
  const cols = `(${EVENT_COLUMNS.join(", ")})`;
  const variants = [
    { name: "no_views_json", table: "bench_events_plain", binary: false },
    { name: "no_views_rowbinary", table: "bench_events_plain", binary: true },
    { name: "all_views_json", table: "events", binary: false },
    { name: "all_views_rowbinary", table: "events", binary: true },
  ];
  const ms: Record<string, number> = {};
  let seq = 0;
  // Round robin over the variants, batch by batch, so a load swing on a shared box hits all
  // of them alike; the first round (small batches) warms the tables up and is not counted.
  for (let b = 0; b < batches + 1; b++) {
    for (const v of variants) {
      const size = b === 0 ? Math.min(batchRows, 2_000) : batchRows;
      const rows = benchRows(size, seq);
      seq += size;
      const query = v.binary
        ? `INSERT INTO ${v.table} ${cols} FORMAT RowBinary`
        : `INSERT INTO ${v.table} FORMAT JSONEachRow`;
      const body = v.binary
        ? encodeRowBinary(rows)
        : Buffer.from(rows.map((r) => JSON.stringify(r)).join("\n"));
      const t0 = performance.now();
      await insertBody(ch, query, body);
      if (b > 0) ms[v.name] = (ms[v.name] ?? 0) + performance.now() - t0;
    }
  }
  const n = batchRows * batches;
  const out: Record<string, InsertCeiling> = {};
  for (const v of variants) {
    const secs = (ms[v.name] ?? 0) / 1000;
    out[v.name] = { rows_per_s: Math.round(n / secs), us_per_row: usPerEvent(secs, n) };
  }
  await ch.command({ query: "DROP TABLE bench_events_plain" });
  await ch.command({ query: "TRUNCATE TABLE events" });
  return out;
}

/** A call's life as rows: the kinds most views on `events` pick up (payload fields they read). */
function lifecycleRows(n: number, seqBase: number): EventRow[] {
  const kinds = ["call.dialing", "call.answered", "call.bridged", "call.ended", "call.disposition"];
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => {
    const k = seqBase + i;
    const attempt = Math.floor(k / kinds.length);
    const kind = kinds[k % kinds.length] as string;
    const event = {
      id: randomUUID(),
      occurred_at: new Date(now + i).toISOString(),
      org_id: "bench-views",
      schema_version: 1,
      kind,
      attempt_id: `att-${attempt}`,
      campaign_id: `camp-${attempt % 8}`,
      lead_id: `lead-${attempt}`,
      agent_id: `agent-${attempt % 50}`,
      detection: "human",
      wait_ms: 1_200 + (attempt % 9_000),
      talk_s: 30 + (attempt % 300),
      ring_s: 3,
      disposition: attempt % 3 === 0 ? "A" : "C",
    };
    return eventToRow(event as unknown as Parameters<typeof eventToRow>[0], k);
  });
}

/**
 * CPU µs per inserted row each materialized view on `events` adds, for a call-lifecycle mix:
 * the ClickHouse host's CPU (from /proc) for the same RowBinary batches with all views, and
 * with one view detached at a time. CPU rather than wall time, so a busy box blurs it less —
 * but /proc counts in 10 ms ticks and other work shares the host's threads: a view worth
 * ~1 µs/row needs a quiet box and the full size (10 batches) to stand out of the noise.
 */
export async function viewCosts(
  ch: ClickHouseClient,
  hostPid: number,
  batchRows: number,
  repeats: number,
): Promise<{ all_views_us_per_row: number; no_views_us_per_row: number; per_view: Record<string, number> }> {
  const cols = `(${EVENT_COLUMNS.join(", ")})`;
  let seq = 0;
  const cpuPerRow = async (): Promise<number> => {
    const bodies = Array.from({ length: repeats }, () => {
      const b = encodeRowBinary(lifecycleRows(batchRows, seq));
      seq += batchRows;
      return b;
    });
    const t0 = await cpuTicks(hostPid);
    for (const b of bodies) await insertBody(ch, `INSERT INTO events ${cols} FORMAT RowBinary`, b);
    return usPerEvent(((await cpuTicks(hostPid)) - t0) / CLK_TCK, batchRows * repeats);
  };
  const rs = await ch.query({
    query: `SELECT name, create_table_query AS q FROM system.tables
            WHERE database = currentDatabase() AND engine = 'MaterializedView' ORDER BY name`,
    format: "JSONEachRow",
  });
  const views = (await rs.json<{ name: string; q: string }>())
    .filter((v) => /\bFROM\s+(\w+\.)?events\b/i.test(v.q))
    .map((v) => v.name);
  // Background merges run in the host process too: stopped, so the CPU counted is the inserts'.
  await ch.command({ query: "SYSTEM STOP MERGES" });
  try {
    await cpuPerRow(); // warm-up
    const per_view: Record<string, number> = {};
    const alls: number[] = [];
    for (const v of views) {
      // Paired: all views, then all but v, back to back.
      const all = await cpuPerRow();
      alls.push(all);
      await ch.command({ query: `DETACH VIEW ${v}` });
      try {
        per_view[v] = Math.round((all - (await cpuPerRow())) * 10) / 10;
      } finally {
        await ch.command({ query: `ATTACH TABLE ${v}` });
      }
    }
    for (const v of views) await ch.command({ query: `DETACH VIEW ${v}` });
    const none = await cpuPerRow();
    for (const v of views) await ch.command({ query: `ATTACH TABLE ${v}` });
    alls.sort((a, b) => a - b);
    const all = alls[Math.floor(alls.length / 2)] ?? Number.NaN;
    await ch.command({ query: "TRUNCATE TABLE events" });
    return { all_views_us_per_row: all, no_views_us_per_row: none, per_view };
  } finally {
    await ch.command({ query: "SYSTEM START MERGES" });
  }
}
