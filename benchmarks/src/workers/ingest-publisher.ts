// Publisher process for `npm run bench -- ingest`: publishes contract-valid events (or raw
// payloads) to JetStream at a target rate with a window of in-flight acks (AsyncPublisher),
// each event stamped with occurred_at = the moment it is handed to the client. Prints one JSON summary line.

import { AsyncPublisher, newEventId } from "@cc/ingest";
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { z } from "zod";

const Args = z.object({
  natsUrl: z.string(),
  mode: z.enum(["events", "raw"]),
  count: z.number().int().positive(),
  /** Events per second; 0 = as fast as acks allow. */
  rate: z.number().nonnegative(),
  window: z.number().int().positive().default(4_096),
  org: z.string().default("bench"),
  rawSubject: z.string().default("bench.raw.x"),
  /** Offset for attempt/lead ids so several publishers never collide. */
  offset: z.number().int().default(0),
  /** Stop early after this long (the latency phase is bounded by time, not count). */
  maxMs: z.number().positive().optional(),
  /** async: AsyncPublisher (acks on one inbox); request: nats.js js.publish() per message. */
  publish: z.enum(["async", "request"]).default("async"),
});
const args = Args.parse(JSON.parse(process.env.PUBLISHER_ARGS ?? "{}"));

const enc = new TextEncoder();
const campaigns = Array.from({ length: 8 }, (_, i) => `camp-${i}`);

/** Built by hand (no zod per event): the shape is call.answered from @cc/ingest's contracts. */
function eventBody(i: number, now: number): { id: string; subject: string; data: Uint8Array } {
  const id = newEventId();
  const n = args.offset + i;
  const campaign = campaigns[n % campaigns.length] as string;
  const body = {
    id,
    occurred_at: new Date(now).toISOString(),
    org_id: args.org,
    schema_version: 1,
    attempt_id: `att-${n}`,
    campaign_id: campaign,
    lead_id: `lead-${n}`,
    kind: "call.answered",
    detection: n % 5 === 0 ? "machine" : "human",
    detect_ms: 300 + (n % 900),
    ring_s: 3 + (n % 20),
  };
  return {
    id,
    subject: `cc.events.${args.org}.call.answered.${campaign}`,
    data: enc.encode(JSON.stringify(body)),
  };
}

const nc = await connect({ servers: args.natsUrl, name: "bench-publisher" });
// Acks collected on one inbox, at most `window` outstanding (the pipeline's own publish path).
const publisher = new AsyncPublisher(nc, { maxOutstanding: args.window, timeoutMs: 30_000 });
const js = jetstream(nc);
const send = (subject: string, data: Uint8Array, id: string) =>
  args.publish === "async"
    ? publisher.publish(subject, data, id)
    : js.publish(subject, data, { msgID: id, timeout: 30_000 });
const rawPayload = eventBody(0, Date.now()).data;

let inFlight = 0;
let duplicates = 0;
let failures = 0;
let wake: (() => void) | undefined;
const started = Date.now();
const t0 = performance.now();
let sent = 0;
for (let i = 0; i < args.count; i++) {
  if (args.maxMs !== undefined && performance.now() - t0 > args.maxMs) break;
  sent++;
  if (args.rate > 0) {
    const due = t0 + (i * 1000) / args.rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
  }
  while (inFlight >= args.window) {
    await new Promise<void>((r) => {
      wake = r;
    });
  }
  inFlight++;
  const msg =
    args.mode === "events"
      ? eventBody(i, Date.now())
      : { id: `${args.offset + i}`, subject: args.rawSubject, data: rawPayload };
  send(msg.subject, msg.data, msg.id).then(
    (ack) => {
      if (ack.duplicate) duplicates++;
      done();
    },
    () => {
      failures++;
      done();
    },
  );
}
function done() {
  inFlight--;
  const w = wake;
  wake = undefined;
  w?.();
}
while (inFlight > 0) {
  await new Promise<void>((r) => {
    wake = r;
  });
}
const elapsedMs = performance.now() - t0;
publisher.close();
await nc.drain();
const cpu = process.cpuUsage();
process.stdout.write(
  `${JSON.stringify({ published: sent - failures, duplicates, failures, started, elapsed_ms: elapsedMs, cpu_ms: (cpu.user + cpu.system) / 1000 })}\n`,
);
