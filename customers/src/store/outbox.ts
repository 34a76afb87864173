// The outbox relay: events the scripts appended to cc:cust:outbox go to NATS (JetStream dedups by
// event id, so a relay that dies between publish and delete only repeats, never loses) and are
// then deleted from the stream.
import { type CallCenterEvent, parseEvent } from "@cc/ingest";
import { OUTBOX } from "./keys.ts";
import type { Redis } from "./redis.ts";

export interface RelayReport {
  published: number;
  invalid: number;
}

/** One pass: up to `batch` events, oldest first. */
export async function relayOutbox(
  redis: Redis,
  publish: (e: CallCenterEvent) => Promise<void>,
  batch = 500,
): Promise<RelayReport> {
  const report: RelayReport = { published: 0, invalid: 0 };
  const entries = (await redis.xRange(OUTBOX, "-", "+", { COUNT: batch })) ?? [];
  if (entries.length === 0) return report;
  for (const entry of entries) {
    const parsed = parseEvent(JSON.parse(entry.message.e ?? "null"));
    if (parsed.ok) {
      await publish(parsed.event);
      report.published++;
    } else report.invalid++;
  }
  await redis.xDel(
    OUTBOX,
    entries.map((e) => e.id),
  );
  return report;
}

/** Reads the outbox without consuming it (tests, the rebuild check). */
export async function peekOutbox(redis: Redis, count = 10_000): Promise<CallCenterEvent[]> {
  const entries = (await redis.xRange(OUTBOX, "-", "+", { COUNT: count })) ?? [];
  const out: CallCenterEvent[] = [];
  for (const e of entries) {
    const parsed = parseEvent(JSON.parse(e.message.e ?? "null"));
    if (parsed.ok) out.push(parsed.event);
  }
  return out;
}
