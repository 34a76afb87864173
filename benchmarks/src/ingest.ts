// npm run bench -- ingest [--quick] [--json PATH] [--batch N] [--batch-ms MS] [--rate N]
//
// Starts nats-server, the embedded ClickHouse host (all migrations) and the sink as its own
// process (ingest/src/sink/main.ts), then, with publishers in separate processes:
//  1. raw JetStream: publish N payloads of event size and consume them with a durable pull
//     consumer acking each one — the ceiling this machine gives any JetStream pipeline;
//  2. end to end, sustained: N events published as fast as the publishers go while the sink
//     runs; rate = N / (first publish → last row queryable). Also the sink's drain rate of a
//     backlog (publishers done first), which is what the sink itself can do;
//  3. latency at a stated rate (default 20k events/s): every event carries occurred_at = the
//     moment it was handed to the NATS client; a poller counts rows every 20 ms; the k-th event
//     by stream sequence is visible at the first poll whose count reaches k (one sink inserts in
//     stream order), so latency = that poll's time − occurred_at (same clock, same machine).
// Lost and duplicated are counted exactly: `events` for ids, plus an audit table fed by a
// materialized view that sees every row ever written (merges cannot hide a duplicate).
import { readFile } from "node:fs/promises";
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
  const batchSize = Number(flags.batch ?? 10_000);
  const batchMs = Number(flags["batch-ms"] ?? 250);
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
    const rawStart = performance.now();
    const rawPub = await runPublisher(nats.url, { mode: "raw", count: rawCount, rate: 0 });
    procs.push(rawPub.proc);
    let consumed = 0;
    const rawMsgs = await rawConsumer.consume({ max_messages: 10_000 });
    for await (const m of rawMsgs) {
      m.ack();
      if (++consumed >= rawCount) break;
    }
    await rawPub.result;
    const rawSecs = (performance.now() - rawStart) / 1000;
    const raw_jetstream_events_per_s = Math.round(rawCount / rawSecs);
    await jsm.streams.delete("BENCH_RAW");

    // The sink, as `npm start` runs it.
    const cfg = sinkConfigFor(nats.url, host, {
      durable: "cc-sink-clickhouse",
      batchSize,
      batchMs,
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

    // 2a. Sustained end to end: publishers and sink at once.
    log(`end to end: ${e2eCount} events from ${publishers} publisher processes`);
    await watch.begin();
    const e2eStart = performance.now();
    const pubs = await Promise.all(
      Array.from({ length: publishers }, (_, p) =>
        runPublisher(nats.url, {
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
    const e2eProc = { ...(await watch.end()), ...(await insertStats()) };
    const published1 = pubResults.reduce((a, r) => a + r.published, 0);

    // 2b. Backlog drain: stop the sink, publish, start it, time until all rows are queryable.
    await sink.stop();
    log(`backlog drain: ${e2eCount} events`);
    const backlogPubs = await Promise.all(
      Array.from({ length: publishers }, (_, p) =>
        runPublisher(nats.url, {
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
    await waitFor(
      "drained rows",
      () => rowsTotal(ch),
      (c) => c >= before + published2,
      600_000,
    );
    const drainSecs = (performance.now() - drainStart) / 1000;
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
    const result = {
      end_to_end_events_per_s,
      end_to_end_publish_only_events_per_s: Math.round(published1 / publishSecs),
      sink_backlog_drain_events_per_s: Math.round(published2 / drainSecs),
      raw_jetstream_events_per_s,
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
    });
    return result;
  }
}
