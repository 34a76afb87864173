import { Readable } from "node:stream";
import { finished } from "node:stream/promises";
import { type ClickHouseClient, ClickHouseLogLevel, createClient } from "@clickhouse/client";
import {
  AckPolicy,
  type ConsumerMessages,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { type Logger, pino } from "pino";
import type { CallCenterEvent } from "../contracts/index.ts";
import { ApiKeyRing } from "../http/auth.ts";
import { type OpsServer, startOpsServer } from "../http/ops-server.ts";
import { connectNats, ensureStreams, IngestError, jetStreamFor } from "../nats/jetstream.ts";
import { dlqSubject, EVENTS_STREAM } from "../subjects.ts";
import { classify, deadLetterFor, eventCount, type Invalid } from "./classify.ts";
import type { SinkConfig } from "./config.ts";
import { type SinkMetrics, sinkMetrics } from "./metrics.ts";
import { EVENT_COLUMNS, encodeRowBinary } from "./rowbinary.ts";
import { dedupTokenFor, type EventRow, eventToRow, toClickHouseDateTime64 } from "./rows.ts";

const NS_PER_MS = 1_000_000;
/** URL-borne query parameters must stay well under HTTP header limits (~16 KB in Node servers). */
const EXISTS_CHUNK = 250;
/** A retried insert gets twice the previous time, up to this. */
const MAX_INSERT_TIMEOUT_MS = 10 * 60_000;

export interface SinkStats {
  batches: number;
  inserted: number;
  dlq: number;
  duplicates: number;
  insertFailures: number;
}

export interface SinkHandle {
  readonly httpPort: number;
  readonly metrics: SinkMetrics;
  stats(): SinkStats;
  /** Stop pulling, flush and ack what is in hand, drain the connection. */
  stop(): Promise<void>;
}

export interface SinkDeps {
  logger?: Logger;
  /** How long stop() keeps retrying the batch in hand before leaving it to JetStream. */
  stopGraceMs?: number;
}

interface Valid {
  msg: JsMsg;
  event: CallCenterEvent;
}

class StopRequested extends Error {
  override name = "StopRequested";
  readonly code = "STOP_REQUESTED";
}

export async function ensureSinkConsumer(jsm: JetStreamManager, cfg: SinkConfig): Promise<void> {
  const ack_wait = cfg.ackWaitMs * NS_PER_MS;
  // Enough unacked messages for two batches in hand plus the pull buffer.
  const max_ack_pending = Math.max(1_000, cfg.batchSize * 4);
  try {
    await jsm.consumers.info(EVENTS_STREAM, cfg.durable);
    await jsm.consumers.update(EVENTS_STREAM, cfg.durable, { ack_wait, max_ack_pending });
  } catch (err) {
    if (!/consumer not found/i.test((err as Error).message)) throw err;
    await jsm.consumers.add(EVENTS_STREAM, {
      durable_name: cfg.durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait,
      max_ack_pending,
      max_deliver: -1,
    });
  }
}

export async function startSink(config: SinkConfig, deps: SinkDeps = {}): Promise<SinkHandle> {
  const log = deps.logger ?? pino({ name: "cc-sink", level: config.logLevel });
  const metrics = sinkMetrics();
  const stats: SinkStats = { batches: 0, inserted: 0, dlq: 0, duplicates: 0, insertFailures: 0 };
  const nc: NatsConnection = await connectNats(config.natsUrl, { name: `cc-sink-${config.durable}` });
  const ch: ClickHouseClient = createClient({
    url: config.clickhouse.url,
    username: config.clickhouse.username,
    password: config.clickhouse.password,
    database: config.clickhouse.database,
    // Per request we pass our own abort signal (escalating on retries); this is only the ceiling.
    request_timeout: MAX_INSERT_TIMEOUT_MS,
    compression: { request: false, response: false },
    // The client warns about long request_timeout without progress headers; our inserts set their own.
    log: { level: ClickHouseLogLevel.ERROR },
    clickhouse_settings: { max_execution_time: Math.ceil(config.insertTimeoutMs / 1000) },
  });
  let js: JetStreamClient;
  try {
    const j = await jetStreamFor(nc);
    js = j.js;
    await ensureStreams(j.jsm, config.streams);
    await ensureSinkConsumer(j.jsm, config);
  } catch (err) {
    await nc.close();
    await ch.close();
    throw err instanceof IngestError
      ? err
      : new IngestError(`sink setup failed: ${(err as Error).message}`, "SINK_SETUP", { cause: err });
  }
  const consumer = await js.consumers.get(EVENTS_STREAM, config.durable);

  let stopping = false;
  const abort = new AbortController();
  /** Messages received but not yet in a batch, and the batch being written. */
  const buffer: JsMsg[] = [];
  /** Events in `buffer`: a batch message holds several (batches are cut by events, not messages). */
  let bufferedEvents = 0;
  let firstBufferedAt = 0;
  const inHand = new Set<JsMsg[]>();
  let wakeFlusher: (() => void) | undefined;
  let wakeReader: (() => void) | undefined;
  let messages: ConsumerMessages | undefined;
  let readerFinished = false;
  const maxBuffered = config.batchSize * 2;

  const wake = () => {
    const w = wakeFlusher;
    wakeFlusher = undefined;
    w?.();
  };

  // Reader: moves messages from the pull iterator into `buffer`, pausing (and so pulling no
  // more) while two batches' worth wait for the flusher.
  const readerDone = (async () => {
    while (!stopping) {
      try {
        messages = await consumer.consume({
          // In messages: pulls bounded by bytes come 100 messages at a time (nats.js), far too
          // slow for single events. A batch message holds at most ~128 events (~70 KB).
          max_messages: Math.min(config.batchSize, 5_000),
          expires: 5_000,
        });
        for await (const m of messages) {
          if (buffer.length === 0) firstBufferedAt = performance.now();
          buffer.push(m);
          bufferedEvents += eventCount(m);
          if (bufferedEvents >= config.batchSize || buffer.length === 1) wake();
          while (bufferedEvents >= maxBuffered && !stopping) {
            await new Promise<void>((r) => {
              wakeReader = r;
            });
          }
        }
      } catch (err) {
        if (stopping) break;
        log.error({ err }, "consumer iterator failed; re-subscribing");
      }
      if (!stopping) await sleep(500);
    }
    readerFinished = true;
    wake();
  })();

  // Keeps held messages from being redelivered while a slow insert or a ClickHouse outage lasts.
  const keepAlive = setInterval(
    () => {
      for (const batch of inHand) for (const m of batch) m.working();
      for (const m of buffer) m.working();
    },
    Math.max(500, Math.floor(config.ackWaitMs / 3)),
  );
  keepAlive.unref();

  const retry = async <T>(what: string, fn: (attempt: number) => Promise<T>): Promise<T> => {
    let delay = config.backoff.minMs;
    for (let attempt = 1; ; attempt++) {
      if (abort.signal.aborted) throw new StopRequested("stop requested");
      try {
        return await fn(attempt);
      } catch (err) {
        if (abort.signal.aborted) throw new StopRequested("stop requested", { cause: err });
        stats.insertFailures++;
        metrics.insertFailures.inc();
        log.warn({ err: (err as Error).message, attempt, retryInMs: delay }, `${what} failed; backing off`);
        await sleep(delay, abort.signal);
        delay = Math.min(config.backoff.maxMs, delay * 2);
      }
    }
  };

  const existingIds = async (candidates: Valid[]): Promise<Set<string>> => {
    const found = new Set<string>();
    for (let i = 0; i < candidates.length; i += EXISTS_CHUNK) {
      const chunk = candidates.slice(i, i + EXISTS_CHUNK);
      let lo = chunk[0]?.event.occurred_at as string;
      let hi = lo;
      for (const c of chunk) {
        if (c.event.occurred_at < lo) lo = c.event.occurred_at;
        if (c.event.occurred_at > hi) hi = c.event.occurred_at;
      }
      const rs = await ch.query({
        // occurred_at bounds prune partitions (toYYYYMMDD) and granules before the id lookup.
        query: `SELECT toString(event_id) AS id FROM events
                WHERE occurred_at >= {lo:DateTime64(3, 'UTC')} AND occurred_at <= {hi:DateTime64(3, 'UTC')}
                  AND event_id IN {ids:Array(UUID)}`,
        query_params: {
          lo: toClickHouseDateTime64(lo),
          hi: toClickHouseDateTime64(hi),
          ids: chunk.map((c) => c.event.id),
        },
        format: "JSONEachRow",
      });
      for (const r of await rs.json<{ id: string }>()) found.add(r.id);
    }
    return found;
  };

  interface Prepared {
    batch: JsMsg[];
    valid: Valid[];
    rows: EventRow[];
    invalid: Invalid[];
    /** Events seen twice in the batch (a publisher's retry that landed twice). */
    dups: number;
  }

  /** CPU part of a batch: decode, validate, dedup in batch, build rows. Runs while the previous batch inserts. */
  const prepare = (batch: JsMsg[]): Prepared => {
    const valid: Valid[] = [];
    const rows: EventRow[] = [];
    const invalid: Invalid[] = [];
    let dups = 0;
    const seen = new Set<string>();
    let validateMs = 0;
    let rowMs = 0;
    for (const m of batch) {
      const t0 = performance.now();
      const classified = classify(m);
      const t1 = performance.now();
      validateMs += t1 - t0;
      for (const c of classified) {
        if (!("ok" in c)) invalid.push(c);
        else if (seen.has(c.event.id)) dups++;
        else {
          seen.add(c.event.id);
          valid.push({ msg: m, event: c.event });
          rows.push(eventToRow(c.event, m.seq));
        }
      }
      rowMs += performance.now() - t1;
    }
    metrics.stageSeconds.inc({ stage: "decode_validate" }, validateMs / 1000);
    metrics.stageSeconds.inc({ stage: "row_build" }, rowMs / 1000);
    return { batch, valid, rows, invalid, dups };
  };

  /** The INSERT body in the configured format; RowBinary names its columns (ingested_at: table default). */
  const encodeInsert = (rows: readonly EventRow[]): { query: string; body: Buffer } => {
    const t0 = performance.now();
    const out =
      (config.insertFormat ?? "RowBinary") === "RowBinary"
        ? {
            query: `INSERT INTO events (${EVENT_COLUMNS.join(", ")}) FORMAT RowBinary`,
            body: encodeRowBinary(rows),
          }
        : {
            query: "INSERT INTO events FORMAT JSONEachRow",
            body: Buffer.from(rows.map((r) => JSON.stringify(r)).join("\n")),
          };
    metrics.stageSeconds.inc({ stage: "encode" }, (performance.now() - t0) / 1000);
    return out;
  };

  /** I/O part: dead letters, redelivery lookup, insert, then the acks. */
  const commit = async (p: Prepared): Promise<void> => {
    const { batch, valid, invalid, dups } = p;
    if (invalid.length > 0) {
      await retry("dead-letter publish", async () => {
        await Promise.all(
          invalid.map((bad) =>
            js.publish(dlqSubject("sink"), JSON.stringify(deadLetterFor(bad.msg, bad)), {
              // A redelivered bad message (or batch element) must not be dead-lettered twice.
              msgID: `sink-${config.durable}-${bad.msg.seq}${bad.element ? `-${bad.element.index}` : ""}`,
              timeout: 10_000,
            }),
          ),
        );
      });
    }

    // A redelivered message may have been inserted by a sink that died before acking it:
    // look its event up. The set is fixed before the first insert attempt so every retry
    // sends the same rows with the same dedup token.
    const suspects = config.checkAllBatches ? valid : valid.filter((v) => v.msg.info.deliveryCount > 1);
    const tLookup = performance.now();
    const already =
      suspects.length > 0 ? await retry("existing-id lookup", () => existingIds(suspects)) : new Set();
    metrics.stageSeconds.inc({ stage: "existing_lookup" }, (performance.now() - tLookup) / 1000);
    const rows = already.size > 0 ? p.rows.filter((r) => !already.has(r.event_id)) : p.rows;

    if (rows.length > 0) {
      const token = dedupTokenFor(rows.map((r) => r.event_id));
      const { query, body } = encodeInsert(rows);
      await retry("insert", async (attempt) => {
        // Same rows, same order, same token on every attempt: whatever an earlier attempt
        // committed (all of it, or some blocks) is dropped by ClickHouse's dedup. An attempt
        // that timed out under load gets twice the time on the next one, so a big batch on a
        // busy server converges instead of timing out forever; the server stops its own work
        // first (max_execution_time) so a given-up attempt does not keep running.
        const timeoutMs = Math.min(MAX_INSERT_TIMEOUT_MS, config.insertTimeoutMs * 2 ** (attempt - 1));
        const t0 = performance.now();
        const result = await ch.exec({
          query,
          values: Readable.from([body]),
          abort_signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), abort.signal]),
          clickhouse_settings: {
            max_execution_time: Math.max(1, Math.floor(timeoutMs / 1000) - 1),
            insert_deduplicate: 1,
            insert_deduplication_token: token,
            deduplicate_blocks_in_dependent_materialized_views: 1,
            // The ~30 views on `events` run side by side instead of one after another: an
            // insert's wall time (and so the latency to queryable) drops ~15 % on 2 cores.
            parallel_view_processing: 1,
          },
        });
        // The summary body is tiny; reading it to the end frees the keep-alive socket.
        result.stream.resume();
        await finished(result.stream);
        const secs = (performance.now() - t0) / 1000;
        metrics.insertSeconds.observe(secs);
        metrics.stageSeconds.inc({ stage: "insert" }, secs);
      });
    }

    if (config.faultAckDelayMs) await sleep(config.faultAckDelayMs);
    const tAck = performance.now();
    for (const m of batch) m.ack();
    metrics.stageSeconds.inc({ stage: "ack" }, (performance.now() - tAck) / 1000);

    stats.batches++;
    stats.inserted += rows.length;
    stats.dlq += invalid.length;
    stats.duplicates += dups + already.size;
    metrics.batchSize.observe(p.rows.length + invalid.length + dups);
    // Counted per batch: a labelled inc per event costs more than the insert's encoding.
    const byKind = new Map<string, number>();
    for (const r of rows) byKind.set(r.kind, (byKind.get(r.kind) ?? 0) + 1);
    for (const [kind, n] of byKind) metrics.ingested.inc({ kind }, n);
    for (const bad of invalid) metrics.dlq.inc({ reason: bad.reason });
    if (dups > 0) metrics.duplicates.inc({ where: "batch" }, dups);
    if (already.size > 0) metrics.duplicates.inc({ where: "clickhouse" }, already.size);
    if (invalid.length > 0) {
      log.warn(
        { count: invalid.length, reasons: [...new Set(invalid.map((i) => i.reason))] },
        "dead-lettered",
      );
    }
    log.debug({ messages: batch.length, inserted: rows.length, skipped: dups + already.size }, "batch");
  };

  let stopFailed = false;
  const runCommit = async (p: Prepared): Promise<void> => {
    try {
      await commit(p);
    } catch (err) {
      if (err instanceof StopRequested) {
        // Left for the next sink; nak makes JetStream redeliver at once instead of after ack_wait.
        for (const m of p.batch) m.nak();
        stopFailed = true;
      } else {
        log.error({ err }, "unexpected batch failure; messages left for redelivery");
      }
    } finally {
      inHand.delete(p.batch);
    }
  };

  /** The oldest messages up to batchSize events (at least one message, however many it holds). */
  const takeBatch = (): JsMsg[] => {
    let n = 0;
    let events = 0;
    while (n < buffer.length && (n === 0 || events + eventCount(buffer[n]!) <= config.batchSize))
      events += eventCount(buffer[n++]!);
    bufferedEvents -= events;
    return buffer.splice(0, n);
  };

  // Flusher: cuts batches by size or age, prepares the next batch while the previous one is
  // being inserted, and commits them one at a time, in stream order.
  const flusherDone = (async () => {
    let committing: Promise<void> | undefined;
    for (;;) {
      if (buffer.length === 0) {
        if (stopping && readerFinished) break;
        await new Promise<void>((r) => {
          wakeFlusher = r;
        });
        continue;
      }
      if (bufferedEvents < config.batchSize && !stopping) {
        const waitMs = config.batchMs - (performance.now() - firstBufferedAt);
        if (waitMs > 0) {
          await new Promise<void>((r) => {
            const t = setTimeout(r, waitMs);
            wakeFlusher = () => {
              clearTimeout(t);
              r();
            };
          });
          if (
            bufferedEvents < config.batchSize &&
            performance.now() - firstBufferedAt < config.batchMs &&
            !stopping
          )
            continue;
        }
      }
      const batch = takeBatch();
      firstBufferedAt = performance.now();
      inHand.add(batch);
      const w = wakeReader;
      wakeReader = undefined;
      w?.();
      const prepared = prepare(batch);
      if (committing) await committing;
      if (stopFailed) {
        for (const m of [...batch, ...buffer]) m.nak();
        buffer.length = 0;
        bufferedEvents = 0;
        inHand.delete(batch);
        return;
      }
      committing = runCommit(prepared);
    }
    if (committing) await committing;
  })();

  const pendingTimer = setInterval(() => {
    consumer
      .info()
      .then((ci) => {
        metrics.pending.set({ state: "pending" }, ci.num_pending);
        metrics.pending.set({ state: "ack_pending" }, ci.num_ack_pending);
      })
      .catch(() => undefined);
  }, 2_000);
  pendingTimer.unref();

  const health = async () => {
    const natsOk =
      !nc.isClosed() &&
      (await Promise.race([nc.rtt().then(() => true), sleep(1_000).then(() => false)]).catch(() => false));
    const chOk = await ch
      .ping()
      .then((r) => r.success)
      .catch(() => false);
    return {
      ok: natsOk && chOk,
      service: "sink",
      nats: { connected: natsOk },
      clickhouse: { reachable: chOk },
    };
  };
  const ops: OpsServer = await startOpsServer({
    host: config.http.host,
    port: config.http.port,
    health,
    registry: metrics.registry,
    keys: new ApiKeyRing(config.metricsApiKeys),
  });
  log.info(
    { durable: config.durable, batchSize: config.batchSize, batchMs: config.batchMs, httpPort: ops.port },
    "sink started",
  );

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      log.info("sink stopping: flushing the batch in hand");
      stopping = true;
      // Messages nats.js has received but the reader has not taken yet would be left for
      // redelivery by close(): let the reader take them first (briefly: pulls go on meanwhile).
      const until = performance.now() + 1_000;
      while (messages && messages.getPending() > 0 && performance.now() < until) await sleep(10);
      await messages?.close().catch(() => undefined);
      wake();
      wakeReader?.();
      const grace = setTimeout(() => abort.abort(), deps.stopGraceMs ?? 15_000);
      await readerDone;
      await flusherDone;
      clearTimeout(grace);
      clearInterval(keepAlive);
      clearInterval(pendingTimer);
      await ops.close();
      // drain flushes the acks still in the outbound buffer before closing.
      await nc.drain().catch(() => undefined);
      await ch.close();
      log.info({ ...stats }, "sink stopped");
    })();
    return stopped;
  };

  return { httpPort: ops.port, metrics, stats: () => ({ ...stats }), stop };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });
}
