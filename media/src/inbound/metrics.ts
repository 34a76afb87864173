// Prometheus metrics of inbound calls, derived from the events the desk publishes (one place that
// sees every outcome) plus the queues' live figures.
import type { EventFields } from "@cc/ingest";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";

export interface InboundMetrics {
  event(f: EventFields): void;
  waiting(queues: { queue: string; waiting: number; longestMs: number }[], all: string[]): void;
}

export function inboundMetrics(registry: Registry): InboundMetrics {
  const registers = [registry];
  const calls = new Counter({
    name: "media_inbound_events_total",
    help: "Inbound call events by kind (offered, refused, queued, answered, abandoned, callback_requested, voicemail, ended) and reason/queue",
    labelNames: ["kind", "detail"],
    registers,
  });
  const answer = new Histogram({
    name: "media_inbound_answer_to_agent_ms",
    help: "From our 200 OK to the agent bridged, milliseconds",
    buckets: [50, 100, 250, 500, 1000, 2000, 5000, 10_000, 30_000, 60_000, 120_000],
    registers,
  });
  const lookup = new Histogram({
    name: "media_inbound_caller_lookup_ms",
    help: "Caller-ID lookup (customer index, blacklist, last agent), milliseconds",
    buckets: [1, 2, 5, 10, 20, 50, 100, 250],
    registers,
  });
  const waiting = new Gauge({
    name: "media_inbound_waiting",
    help: "Callers waiting per queue",
    labelNames: ["queue"],
    registers,
  });
  const longest = new Gauge({
    name: "media_inbound_longest_wait_seconds",
    help: "Longest current wait per queue",
    labelNames: ["queue"],
    registers,
  });
  return {
    event(f) {
      if (!f.kind.startsWith("inbound.")) return;
      const detail = "reason" in f ? String(f.reason) : "queue" in f && f.queue ? String(f.queue) : "";
      calls.inc({ kind: f.kind.slice("inbound.".length), detail });
      if (f.kind === "inbound.answered") answer.observe(f.answer_to_agent_ms);
      if (f.kind === "inbound.offered") lookup.observe(f.lookup_ms);
    },
    waiting(queues, all) {
      const live = new Map(queues.map((q) => [q.queue, q]));
      for (const queue of all) {
        waiting.set({ queue }, live.get(queue)?.waiting ?? 0);
        longest.set({ queue }, (live.get(queue)?.longestMs ?? 0) / 1000);
      }
    },
  };
}
