// Several events in one JetStream message: a JSON array of events that share one subject (org,
// family, kind, campaign). Bulk producers (the lead import) use it because a message costs far
// more than an event — a publish frame, a header block, an ack, a stored record in nats-server —
// while each event keeps its own id, so ClickHouse's dedup and every consumer's idempotence work
// per event exactly as for single messages. The message carries its own id (Nats-Msg-Id: the
// batch id below), so a retried batch is dropped by the stream; consumers ack the message after
// handling all its events.
import { type FieldIssue, type ParseResult, parseEvent } from "./index.ts";

/** Header with the number of events in a batch message (the sink counts its buffer in events). */
export const EVENT_COUNT_HEADER = "Cc-Events";

/** One element of a message: the event, or why not; in a batch also the element as sent (for a dead letter). */
export type DecodedElement = ParseResult & { raw?: unknown };

/** Largest batch a producer may send: well under nats-server's default 1 MB max_payload. */
export const MAX_BATCH_BYTES = 512 * 1024;

/** Message body of a batch: the events' JSON, already serialised, as one array. */
export function encodeEventBatch(eventsJson: readonly string[]): Buffer {
  return Buffer.from(`[${eventsJson.join(",")}]`);
}

/** Nats-Msg-Id of a batch: the same events in the same order give the same id (a retry is a duplicate). */
export function batchMessageId(eventIds: readonly string[]): string {
  return `batch-${eventIds[0]}-${eventIds.at(-1)}-${eventIds.length}`;
}

/**
 * Decodes a message body into its events: one object (the usual message) or an array (a batch).
 * Every element is validated on its own; an invalid element does not invalidate the others.
 */
export function decodeEvents(body: Uint8Array | string): DecodedElement[] {
  let json: unknown;
  try {
    json = JSON.parse(typeof body === "string" ? body : utf8.decode(body));
  } catch (err) {
    return [{ ok: false, issues: [bodyIssue(`not valid JSON: ${(err as Error).message}`)] }];
  }
  if (!Array.isArray(json)) return [parseEvent(json)];
  if (json.length === 0) return [{ ok: false, issues: [bodyIssue("an empty batch: no events")] }];
  return json.map((element) => ({ ...parseEvent(element), raw: element }));
}

const utf8 = new TextDecoder();
const bodyIssue = (message: string): FieldIssue => ({ path: "(body)", message });
