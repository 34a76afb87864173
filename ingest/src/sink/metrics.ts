import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** One registry per sink instance, so several sinks can live in one test process. */
export function sinkMetrics() {
  const registry = new Registry();
  // Process CPU, memory, event-loop lag and GC, as every service exposes them.
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    ingested: new Counter({
      name: "events_ingested_total",
      help: "Events inserted into ClickHouse, by kind",
      labelNames: ["kind"] as const,
      registers: [registry],
    }),
    dlq: new Counter({
      name: "dlq_total",
      help: "Messages sent to the dead-letter stream, by reason",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
    duplicates: new Counter({
      name: "sink_duplicates_skipped_total",
      help: "Messages acknowledged without a new row because their event was already stored or in the same batch",
      labelNames: ["where"] as const,
      registers: [registry],
    }),
    batchSize: new Histogram({
      name: "sink_batch_size",
      help: "Messages per flushed batch",
      buckets: [1, 10, 100, 500, 1_000, 2_500, 5_000, 10_000, 20_000, 50_000],
      registers: [registry],
    }),
    insertSeconds: new Histogram({
      name: "sink_insert_seconds",
      help: "Latency of one successful INSERT into ClickHouse",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    stageSeconds: new Counter({
      name: "sink_stage_seconds_total",
      help: "Wall time spent per stage of a batch (decode_validate, row_build, existing_lookup, encode, insert, ack): where each event's microseconds go",
      labelNames: ["stage"] as const,
      registers: [registry],
    }),
    insertFailures: new Counter({
      name: "sink_insert_failures_total",
      help: "Failed ClickHouse round trips (each followed by a backoff and a retry)",
      registers: [registry],
    }),
    pending: new Gauge({
      name: "sink_consumer_pending",
      help: "Messages of the durable consumer not yet delivered (state=pending) or delivered but unacked (state=ack_pending)",
      labelNames: ["state"] as const,
      registers: [registry],
    }),
  };
}
export type SinkMetrics = ReturnType<typeof sinkMetrics>;
