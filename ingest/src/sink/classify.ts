// What the sink makes of one message: its events (one, or several in a batch message), each
// valid or invalid on its own, and the dead-letter record for an invalid one.
import type { JsMsg } from "@nats-io/jetstream";
import {
  type CallCenterEvent,
  decodeEvents,
  EVENT_COUNT_HEADER,
  type FieldIssue,
} from "../contracts/index.ts";

export interface Invalid {
  msg: JsMsg;
  reason: string;
  issues: FieldIssue[];
  /** The element of a batch message that failed (the others go on). */
  element?: { index: number; raw: unknown };
}

export type Classified = { ok: true; event: CallCenterEvent } | Invalid;

const utf8Strict = new TextDecoder("utf-8", { fatal: true });

/** The dead-letter record: enough to understand, fix and replay the message (or the batch element). */
export interface DeadLetter {
  reason: string;
  issues: FieldIssue[];
  subject: string;
  stream_seq: number;
  delivery_count: number;
  received_at: string;
  raw: string;
  raw_encoding: "utf8" | "base64";
  /** Position of the element in a batch message; `raw` is then that element alone. */
  batch_index?: number;
}

export function deadLetterFor(m: Pick<JsMsg, "data" | "subject" | "seq" | "info">, bad: Invalid): DeadLetter {
  let raw: string;
  let raw_encoding: DeadLetter["raw_encoding"] = "utf8";
  if (bad.element) raw = JSON.stringify(bad.element.raw) ?? "undefined";
  else {
    try {
      raw = utf8Strict.decode(m.data);
    } catch {
      raw = Buffer.from(m.data).toString("base64");
      raw_encoding = "base64";
    }
  }
  return {
    reason: bad.reason,
    issues: bad.issues,
    subject: m.subject,
    stream_seq: m.seq,
    delivery_count: m.info.deliveryCount,
    received_at: new Date().toISOString(),
    raw,
    raw_encoding,
    ...(bad.element ? { batch_index: bad.element.index } : {}),
  };
}

/** Decodes and validates a message's events; the org in the subject must match each event's org. */
export function classify(m: Pick<JsMsg, "data" | "subject">): Classified[] {
  const org = m.subject.split(".", 3)[2];
  return decodeEvents(m.data).map((r, index): Classified => {
    const element = r.raw !== undefined ? { element: { index, raw: r.raw } } : {};
    if (!r.ok) {
      const reason = r.issues.some((i) => i.path === "(body)") ? "invalid_json" : "invalid_event";
      return { msg: m as JsMsg, reason, issues: r.issues, ...element };
    }
    if (org !== r.event.org_id) {
      const issue = {
        path: "org_id",
        message: `event org '${r.event.org_id}' published on subject of org '${org}'`,
      };
      return { msg: m as JsMsg, reason: "subject_mismatch", issues: [issue], ...element };
    }
    return { ok: true, event: r.event };
  });
}

/**
 * Events a message holds (1 for a plain message): the sink counts its buffer in events. Only a
 * batch (a JSON array) has its header read — decoding every message's headers slowed the sink's
 * reader by a measurable amount per message.
 */
export function eventCount(m: Pick<JsMsg, "headers" | "data">): number {
  if (m.data[0] !== 0x5b) return 1; // "[": a batch message
  const n = Number(m.headers?.get(EVENT_COUNT_HEADER));
  return Number.isInteger(n) && n > 1 ? n : 1;
}
