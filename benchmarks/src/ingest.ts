// npm run bench -- ingest [--quick] [--json PATH] [--batch N] [--batch-ms MS] [--rate N]
//                        [--format RowBinary|JSONEachRow] [--publish async|request] [--view-costs]
//
// Starts nats-server, the embedded ClickHouse host (all migrations) and the sink as its own
// process (ingest/src/sink/main.ts), then, with publishers in separate processes:
//  0. raw ClickHouse: the same rows in sink-sized batches into `events` with and without its
//     materialized views, RowBinary and JSONEachRow (--view-costs: host CPU per view);
//  1. raw JetStream: publish N payloads of event size and consume them with a durable pull
//     consumer acking each one — the ceiling this machine gives any JetStream pipeline;
//  2. end to end, sustained: N events published as fast as the publishers go while the sink
//     runs; rate = N / (first publish → last row queryable). Also the sink's drain rate of a
//     backlog (publishers done first), which is what the sink itself can do;
//  3. latency at a stated rate (default 20k events/s): every event carries occurred_at = the
//     moment it was handed to the NATS client; a poller counts rows every 20 ms; the k-th event
//     by stream sequence is visible at the first poll whose count reaches k (one sink inserts in
//     stream order), so latency = that poll's time − occurred_at (same clock, same machine).
// Then a profile: CPU µs per event of each process (publishers, nats-server, sink, ClickHouse
// host) and the sink's wall time per stage, next to the raw ceilings; load average beside it.
// Lost and duplicated are counted exactly: `events` for ids, plus an audit table fed by a
// materialized view that sees every row ever written (merges cannot hide a duplicate).
import { readFile } from "node:fs/promises";
import { loadavg } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import {
  freePort,
  type ManagedProcess,
  repoRoot,
  spawnManaged,
  startClickHouseHost,
  startNats,
} from "@cc/infra";
import { connectNats, EVENTS_STREAM, ensureStreams, jetStreamFor } from "@cc/ingest";
import {
  countEvents,
  countInserted,
  createInsertAudit,
  migrateForTests,
  sinkConfigFor,
  spawnSink,
  waitFor,
  writerClient,
} from "@cc/ingest/testing";
import type { ClickHouseClient } from "@clickhouse/client";
import { AckPolicy } from "@nats-io/jetstream";
import { CpuWatch, clickHouseCeilings, stageSeconds, usPerEvent, viewCosts } from "./ingest-lib/profile.ts";
import type { BenchOptions } from "./types.ts";

const CLK_TCK = 100;

interface ProcSample {
  cpuTicks: number;
  rssKb: number;
}

async function procSample(pid: number): Promise<ProcSample> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces) — utime and stime are 14th and 15th.
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const cpuTicks = Number(rest[11]) + Number(rest[12]);
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { cpuTicks, rssKb };
}

/** CPU% (of one core) and peak RSS of a process over a phase. */
class ProcWatch {
  #start: ProcSample | undefined;
  #t0 = 0;
  #peakKb = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly pid: number;
  constructor(pid: number) {
    this.pid = pid;
  }
  async begin(): Promise<void> {
    this.#start = await procSample(this.pid);
    this.#t0 = performance.now();
    this.#peakKb = this.#start.rssKb;
    this.#timer = setInterval(() => {
      procSample(this.pid)
        .then((s) => {
          this.#peakKb = Math.max(this.#peakKb, s.rssKb);
        })
        .catch(() => undefined);
    }, 200);
  }
  async end(): Promise<{ cpu_percent: number; rss_peak_mb: number; rss_end_mb: number }> {
    clearInterval(this.#timer);
    const s = await procSample(this.pid);
    const secs = (performance.now() - this.#t0) / 1000;
    const ticks = s.cpuTicks - (this.#start?.cpuTicks ?? 0);
    return {
      cpu_percent: Math.round((ticks / CLK_TCK / secs) * 1000) / 10,
      rss_peak_mb: Math.round(Math.max(this.#peakKb, s.rssKb) / 102.4) / 10,
      rss_end_mb: Math.round(s.rssKb / 102.4) / 10,
    };
  }
}

interface PublisherResult {
  published: number;
  /** CPU time of the publisher process (user + system), ms. */
  cpu_ms: number;
  duplicates: number;
  failures: number;
  started: number;
  elapsed_ms: number;
}

async function runPublisher(
  natsUrl: string,
  args: {
    mode: "events" | "raw";
    count: number;
    rate: number;
    offset?: number;
    window?: number;
    org?: string;
    publish?: "async" | "request";
  },
): Promise<{ proc: ManagedProcess; result: Promise<PublisherResult> }> {
  let lastLine = "";
  const proc = await spawnManaged({
    name: "publisher",
    command: process.execPath,
    args: [path.join(repoRoot, "benchmarks/src/workers/ingest-publisher.ts")],
    env: { ...process.env, PUBLISHER_ARGS: JSON.stringify({ natsUrl, ...args }) },
    ready: async () => true,
    onLine: (l) => {
      lastLine = l;
    },
  });
  const result = proc.exited.then((code) => {
    if (code !== 0) throw new Error(`publisher exited ${code}: ${proc.output()}`);
    return JSON.parse(lastLine) as PublisherResult;
  });
  return { proc, result };
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] as number;
}

async function rowsTotal(ch: ClickHouseClient): Promise<number> {
  const rs = await ch.query({ query: "SELECT count() AS c FROM events", format: "JSONEachRow" });
  return Number((await rs.json<{ c: string }>())[0]?.c ?? 0);
}

export async function run(opts: BenchOptions): Promise<Record<string, unknown>> {
  const { values: flags } = parseArgs({
    args: opts.extra,
    options: {
      batch: { type: "string" },
      "batch-ms": { type: "string" },
      format: { type: "string" },
      publish: { type: "string" },
      "view-costs": { type: "boolean" },
      rate: { type: "string" },
    },
    strict: false,
  });
  const quick = opts.quick;
  const rawCount = quick ? 100_000 : 500_000;
  const e2eCount = quick ? 80_000 : 400_000;
  const publishers = 2;
  const latencyRate = Number(flags.rate ?? 20_000);
  const latencySeconds = quick ? 6 : 30;
  // The sink's own defaults unless overridden.
  const batchSize = Number(flags.batch ?? 50_000);
  const batchMs = Number(flags["batch-ms"] ?? 250);
  const insertFormat = flags.format === "JSONEachRow" ? "JSONEachRow" : "RowBinary";
  // --publish request: nats.js js.publish() per event (the path before AsyncPublisher), for A/B runs.
  const publish = flags.publish === "request" ? "request" : "async";
  const log = (m: string) => process.stderr.write(`[bench ingest] ${m}\n`);
  const procs: ManagedProcess[] = [];
  try {
    return await phases();
  } finally {
    for (const p of procs) await p.stop();
  }

  async function phases(): Promise<Record<string, unknown>> {
    await using nats = await startNats();
    await using host = await startClickHouseHost();
    const ch = writerClient(host);
    await migrateForTests(ch);
    const load_average_start = loadavg().map((l) => Math.round(l * 100) / 100);

    // 0. Raw ClickHouse insert ceilings, same rows, same HTTP interface, same batch size.
    log(`raw ClickHouse inserts: ${batchSize}-row batches`);
    const clickhouse_ceilings = await clickHouseCeilings(ch, batchSize, quick ? 2 : 5);
    let view_costs: Awaited<ReturnType<typeof viewCosts>> | undefined;
    if (flags["view-costs"]) {
      log("CPU per row of each materialized view on events (one detached at a time)");
      view_costs = await viewCosts(ch, host.process.pid, batchSize, quick ? 3 : 10);
      console.table(
        Object.fromEntries(
          Object.entries(view_costs.per_view)
            .sort((a, b) => b[1] - a[1])
            .map(([v, us]) => [v, { us_cpu_per_row: us }]),
        ),
      );
      log(
        `all views ${view_costs.all_views_us_per_row} µs/row, none ${view_costs.no_views_us_per_row} µs/row (host CPU)`,
      );
    }
    await createInsertAudit(ch);
    const nc = await connectNats(nats.url);
    const { js, jsm } = await jetStreamFor(nc);
    await ensureStreams(jsm);

    // 1. Raw JetStream publish + consume on this machine.
    log(`raw JetStream: ${rawCount} messages`);
    await jsm.streams.add({ name: "BENCH_RAW", subjects: ["bench.raw.>"], duplicate_window: 60_000_000_000 });
    await jsm.consumers.add("BENCH_RAW", {
      durable_name: "raw",
      ack_policy: AckPolicy.Explicit,
      max_ack_pending: 50_000,
    });
    const rawConsumer = await js.consumers.get("BENCH_RAW", "raw");
    const rawCpu = new CpuWatch({ nats: nats.process.pid, bench: process.pid });
    await rawCpu.begin();
    const rawStart = performance.now();
    const rawPub = await runPublisher(nats.url, { mode: "raw", count: rawCount, rate: 0, publish });
    procs.push(rawPub.proc);
    let consumed = 0;
    const rawMsgs = await rawConsumer.consume({ max_messages: 10_000 });
    for await (const m of rawMsgs) {
      m.ack();
      if (++consumed >= rawCount) break;
    }
    const rawPubResult = await rawPub.result;
    const rawSecs = (performance.now() - rawStart) / 1000;
    const rawCpuSecs = await rawCpu.end();
    const raw_jetstream_events_per_s = Math.round(rawCount / rawSecs);
    const raw_jetstream = {
      publish_consume_msgs_per_s: raw_jetstream_events_per_s,
      publish_only_msgs_per_s: Math.round(rawCount / (rawPubResult.elapsed_ms / 1000)),
      us_cpu_per_msg: {
        publisher: usPerEvent(rawPubResult.cpu_ms / 1000, rawCount),
        nats_server: usPerEvent(rawCpuSecs.nats ?? 0, rawCount),
        consumer: usPerEvent(rawCpuSecs.bench ?? 0, rawCount),
      },
    };
    await jsm.streams.delete("BENCH_RAW");

    // The sink, as `npm start` runs it.
    const cfg = sinkConfigFor(nats.url, host, {
      durable: "cc-sink-clickhouse",
      batchSize,
      batchMs,
      insertFormat,
      ackWaitMs: 60_000,
      insertTimeoutMs: 30_000,
      logLevel: "warn",
      http: { host: "127.0.0.1", port: await freePort() },
    });
    const metricsKey = cfg.metricsApiKeys[0]?.key ?? "";
    /** Insert-latency figures from the sink's own histogram (cumulative since the process started). */
    const insertStats = async () => {
      const text = await (
        await fetch(`http://127.0.0.1:${cfg.http.port}/metrics`, { headers: { "x-api-key": metricsKey } })
      ).text();
      const num = (re: RegExp) => Number(re.exec(text)?.[1] ?? Number.NaN);
      const count = num(/^sink_insert_seconds_count (\S+)$/m);
      const sum = num(/^sink_insert_seconds_sum (\S+)$/m);
      const le1 = num(/^sink_insert_seconds_bucket\{le="1"\} (\S+)$/m);
      const failures = num(/^sink_insert_failures_total (\S+)$/m);
      const batches = num(/^sink_batch_size_count (\S+)$/m);
      const rows = num(/^sink_batch_size_sum (\S+)$/m);
      return {
        stages: stageSeconds(text),
        events: rows,
        inserts: count,
        mean_insert_ms: Math.round((sum / count) * 1000),
        inserts_over_1s: count - le1,
        insert_failures: failures,
        mean_batch: Math.round(rows / batches),
      };
    };
    const sink = await spawnSink(cfg);
    procs.push(sink);
    const watch = new ProcWatch(sink.pid);
    const serverPids = { nats: nats.process.pid, clickhouse: host.process.pid };

    // 2a. Sustained end to end: publishers and sink at once.
    log(`end to end: ${e2eCount} events from ${publishers} publisher processes`);
    await watch.begin();
    const e2eCpu = new CpuWatch({ ...serverPids, sink: sink.pid });
    await e2eCpu.begin();
    const e2eStart = performance.now();
    const pubs = await Promise.all(
      Array.from({ length: publishers }, (_, p) =>
        runPublisher(nats.url, {
          publish,
          mode: "events",
          count: e2eCount / publishers,
          rate: 0,
          offset: p * e2eCount,
        }),
      ),
    );
    procs.push(...pubs.map((p) => p.proc));
    const pubResults = await Promise.all(pubs.map((p) => p.result));
    const publishSecs = (performance.now() - e2eStart) / 1000;
    await waitFor(
      "end-to-end rows",
      () => rowsTotal(ch),
      (c) => c >= e2eCount,
      600_000,
    );
    const e2eSecs = (performance.now() - e2eStart) / 1000;
    const e2eCpuSecs = await e2eCpu.end();
    const e2eProc = { ...(await watch.end()), ...(await insertStats()) };
    const published1 = pubResults.reduce((a, r) => a + r.published, 0);

    // 2b. Backlog drain: stop the sink, publish, start it, time until all rows are queryable.
    await sink.stop();
    log(`backlog drain: ${e2eCount} events`);
    const backlogPubs = await Promise.all(
      Array.from({ length: publishers }, (_, p) =>
        runPublisher(nats.url, {
          publish,
          mode: "events",
          count: e2eCount / publishers,
          rate: 0,
          offset: (publishers + p) * e2eCount,
        }),
      ),
    );
    procs.push(...backlogPubs.map((p) => p.proc));
    const published2 = (await Promise.all(backlogPubs.map((p) => p.result))).reduce(
      (a, r) => a + r.published,
      0,
    );
    const before = await rowsTotal(ch);
    const drainStart = performance.now();
    const sink2 = await spawnSink(cfg);
    procs.push(sink2);
    const watch2 = new ProcWatch(sink2.pid);
    await watch2.begin();
    const drainCpu = new CpuWatch({ ...serverPids, sink: sink2.pid });
    await drainCpu.begin();
    await waitFor(
      "drained rows",
      () => rowsTotal(ch),
      (c) => c >= before + published2,
      600_000,
    );
    const drainSecs = (performance.now() - drainStart) / 1000;
    const drainCpuSecs = await drainCpu.end();
    const drainProc = { ...(await watch2.end()), ...(await insertStats()) };

    // 3. Latency at a stated rate.
    const latencyCount = latencyRate * latencySeconds;
    log(`latency: ${latencyCount} events at ${latencyRate}/s`);
    const base = await rowsTotal(ch);
    const seqInfo = await jsm.streams.info(EVENTS_STREAM);
    const firstSeq = seqInfo.state.last_seq + 1;
    const polls: { t: number; c: number }[] = [];
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const c = (await rowsTotal(ch)) - base;
        polls.push({ t: Date.now(), c });
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const watch3 = new ProcWatch(sink2.pid);
    await watch3.begin();
    const latPub = await runPublisher(nats.url, {
      publish,
      mode: "events",
      count: latencyCount,
      rate: latencyRate,
      offset: 10 * e2eCount,
      window: 4_000,
    });
    procs.push(latPub.proc);
    const latResult = await latPub.result;
    await waitFor(
      "latency rows",
      async () => polls.at(-1)?.c ?? 0,
      (c) => c >= latResult.published,
      120_000,
    );
    polling = false;
    await poller;
    const latProc = { ...(await watch3.end()), ...(await insertStats()) };
    const achievedRate = Math.round(latResult.published / (latResult.elapsed_ms / 1000));
    const rs = await ch.query({
      query: `SELECT toUnixTimestamp64Milli(occurred_at) AS t FROM events
            WHERE stream_seq >= {first:UInt64} ORDER BY stream_seq`,
      query_params: { first: firstSeq },
      format: "JSONCompactEachRow",
    });
    const occurred = (await rs.json<[string]>()).map((r) => Number(r[0]));
    const latencies: number[] = [];
    let p = 0;
    for (let k = 0; k < occurred.length; k++) {
      while (p < polls.length && (polls[p]?.c ?? 0) < k + 1) p++;
      const poll = polls[p];
      if (poll) latencies.push(poll.t - (occurred[k] as number));
    }
    latencies.sort((a, b) => a - b);
    const latency_ms = {
      p50: quantile(latencies, 0.5),
      p95: quantile(latencies, 0.95),
      p99: quantile(latencies, 0.99),
      max: latencies.at(-1) ?? Number.NaN,
    };

    await sink2.stop();
    const totalPublished = published1 + published2 + latResult.published;
    const ev = await countEvents(ch);
    const audit = await countInserted(ch);
    const lost = totalPublished - ev.ids;
    const duplicated = audit.rows - audit.ids;
    await nc.close();
    await ch.close();

    const end_to_end_events_per_s = Math.round(published1 / e2eSecs);
    const publisherCpuSecs = pubResults.reduce((a, r) => a + r.cpu_ms, 0) / 1000;
    const profile = {
      end_to_end: stageProfile(published1, e2eProc.stages, e2eCpuSecs, publisherCpuSecs),
      backlog_drain: stageProfile(published2, drainProc.stages, drainCpuSecs, 0),
    };
    const load_average_end = loadavg().map((l) => Math.round(l * 100) / 100);
    const result = {
      end_to_end_events_per_s,
      end_to_end_publish_only_events_per_s: Math.round(published1 / publishSecs),
      sink_backlog_drain_events_per_s: Math.round(published2 / drainSecs),
      raw_jetstream_events_per_s,
      raw_jetstream,
      clickhouse_ceilings,
      view_costs,
      profile_us_per_event: profile,
      load_average: { start: load_average_start, end: load_average_end },
      latency_ms,
      latency_rate_events_per_s: { target: latencyRate, achieved: achievedRate },
      lost,
      duplicated,
      published: totalPublished,
      rows: ev.rows,
      sink: { end_to_end: e2eProc, backlog_drain: drainProc, at_latency_rate: latProc },
      config: {
        batch_size: batchSize,
        batch_ms: batchMs,
        insert_format: insertFormat,
        publish,
        publishers,
        cpus: (await import("node:os")).cpus().length,
      },
      method:
        "e2e = events / (first publish → last row counted by SELECT count()); drain = backlog / (sink start → all rows); latency = first 20 ms poll whose row count covers the event (stream order) − its occurred_at",
    };
    console.table({
      "end to end (publish → queryable)": { value: end_to_end_events_per_s, unit: "events/s" },
      "publishers alone (same phase)": {
        value: result.end_to_end_publish_only_events_per_s,
        unit: "events/s",
      },
      "sink backlog drain": { value: result.sink_backlog_drain_events_per_s, unit: "events/s" },
      "raw JetStream publish+consume": { value: raw_jetstream_events_per_s, unit: "msgs/s" },
      "raw JetStream publish only": { value: raw_jetstream.publish_only_msgs_per_s, unit: "msgs/s" },
      "raw ClickHouse insert, no views (RowBinary / JSON)": {
        value: `${clickhouse_ceilings.no_views_rowbinary?.rows_per_s} / ${clickhouse_ceilings.no_views_json?.rows_per_s}`,
        unit: "rows/s",
      },
      "raw ClickHouse insert, all views (RowBinary / JSON)": {
        value: `${clickhouse_ceilings.all_views_rowbinary?.rows_per_s} / ${clickhouse_ceilings.all_views_json?.rows_per_s}`,
        unit: "rows/s",
      },
      "end to end / min(raw ceilings)": {
        value: `${Math.round((100 * end_to_end_events_per_s) / Math.min(raw_jetstream_events_per_s, clickhouse_ceilings.all_views_rowbinary?.rows_per_s ?? Number.POSITIVE_INFINITY))}%`,
        unit: "",
      },
      [`latency p50 @ ${achievedRate}/s`]: { value: latency_ms.p50, unit: "ms" },
      [`latency p95 @ ${achievedRate}/s`]: { value: latency_ms.p95, unit: "ms" },
      [`latency p99 @ ${achievedRate}/s`]: { value: latency_ms.p99, unit: "ms" },
      "sink CPU (e2e / drain / latency)": {
        value: `${e2eProc.cpu_percent}% / ${drainProc.cpu_percent}% / ${latProc.cpu_percent}%`,
        unit: "of one core",
      },
      "sink RSS peak (e2e / drain)": {
        value: `${e2eProc.rss_peak_mb} / ${drainProc.rss_peak_mb}`,
        unit: "MB",
      },
      "mean INSERT (e2e / drain / latency)": {
        value: `${e2eProc.mean_insert_ms} / ${drainProc.mean_insert_ms} / ${latProc.mean_insert_ms}`,
        unit: "ms per batch",
      },
      "mean batch (e2e / drain / latency)": {
        value: `${e2eProc.mean_batch} / ${drainProc.mean_batch} / ${latProc.mean_batch}`,
        unit: "events",
      },
      lost: { value: lost, unit: "events" },
      duplicated: { value: duplicated, unit: "rows" },
      "load average 1/5/15 (start → end)": {
        value: `${load_average_start.join(" ")} → ${load_average_end.join(" ")}`,
        unit: "2 cores",
      },
    });
    log("where each event's microseconds go (µs per event; CPU for processes, wall for sink stages)");
    console.table(profileTable(profile, raw_jetstream, clickhouse_ceilings));
    return result;
  }
}

type Profile = ReturnType<typeof stageProfile>;

/**
 * µs per event: CPU of each process over the phase, and the sink's wall time per stage.
 * sink_other = sink CPU not in a CPU-bound stage (NATS client receive/parse, batching, GC).
 */
function stageProfile(
  events: number,
  stages: Record<string, number>,
  cpu: Record<string, number>,
  publisherCpu: number,
) {
  const st = (k: string) => stages[k] ?? 0;
  const cpuStages = st("decode_validate") + st("row_build") + st("encode") + st("ack");
  return {
    publisher_cpu: usPerEvent(publisherCpu, events),
    nats_server_cpu: usPerEvent(cpu.nats ?? 0, events),
    sink_decode_validate: usPerEvent(st("decode_validate"), events),
    sink_row_build: usPerEvent(st("row_build"), events),
    sink_encode: usPerEvent(st("encode"), events),
    sink_existing_lookup_wall: usPerEvent(st("existing_lookup"), events),
    sink_insert_wall: usPerEvent(st("insert"), events),
    sink_ack: usPerEvent(st("ack"), events),
    sink_other_cpu: usPerEvent(Math.max(0, (cpu.sink ?? 0) - cpuStages), events),
    sink_cpu: usPerEvent(cpu.sink ?? 0, events),
    clickhouse_host_cpu: usPerEvent(cpu.clickhouse ?? 0, events),
  };
}

function profileTable(
  p: { end_to_end: Profile; backlog_drain: Profile },
  raw: { us_cpu_per_msg: Record<string, number> },
  ceilings: Record<string, { us_per_row: number }>,
): Record<
  string,
  { end_to_end: number | string; backlog_drain: number | string; raw_ceiling: number | string }
> {
  const c = (k: string) => ceilings[k]?.us_per_row ?? Number.NaN;
  const row = (k: keyof Profile, rawCeiling: number | string = "") => ({
    end_to_end: p.end_to_end[k],
    backlog_drain: p.backlog_drain[k],
    raw_ceiling: rawCeiling,
  });
  return {
    "publisher CPU (encode, publish, JetStream ack)": row("publisher_cpu", raw.us_cpu_per_msg.publisher),
    "nats-server CPU (store, deliver, acks)": row("nats_server_cpu", raw.us_cpu_per_msg.nats_server),
    "sink: decode + validate (JSON.parse + zod)": row("sink_decode_validate"),
    "sink: row build": row("sink_row_build"),
    "sink: insert format encode": row("sink_encode"),
    "sink: redelivery lookup (wall)": row("sink_existing_lookup_wall"),
    "sink: HTTP insert incl. ClickHouse + views (wall)": row(
      "sink_insert_wall",
      `${c("all_views_rowbinary")} RowBinary / ${c("all_views_json")} JSON`,
    ),
    "  of which materialized views (raw: all − none)": {
      end_to_end: "",
      backlog_drain: "",
      raw_ceiling: `${Math.round((c("all_views_rowbinary") - c("no_views_rowbinary")) * 10) / 10}`,
    },
    "  insert without views (raw)": {
      end_to_end: "",
      backlog_drain: "",
      raw_ceiling: `${c("no_views_rowbinary")} RowBinary / ${c("no_views_json")} JSON`,
    },
    "sink: ack": row("sink_ack"),
    "sink: other CPU (NATS fetch, batching, GC)": row("sink_other_cpu", raw.us_cpu_per_msg.consumer),
    "sink CPU total": row("sink_cpu"),
    "ClickHouse host CPU (HTTP, parse, engine, views)": row("clickhouse_host_cpu"),
  };
}
