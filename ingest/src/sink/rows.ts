import { createHash } from "node:crypto";
import type { CallCenterEvent } from "../contracts/index.ts";

/** One row of analytics/migrations/001_events.sql `events` (ingested_at is the table default). */
export interface EventRow {
  event_id: string;
  kind: string;
  org_id: string;
  occurred_at: string;
  schema_version: number;
  campaign_id: string;
  attempt_id: string;
  lead_id: string;
  agent_id: string;
  payload: string;
  stream_seq: number;
}

/**
 * '2026-01-31T08:00:00.123Z' → '2026-01-31 08:00:00.123': the text form every ClickHouse
 * accepts for DateTime64(3, 'UTC') without best-effort parsing (contracts guarantee the ISO shape).
 */
export function toClickHouseDateTime64(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

function field(e: CallCenterEvent, key: "campaign_id" | "attempt_id" | "lead_id" | "agent_id"): string {
  const v = (e as Partial<Record<typeof key, string>>)[key];
  return typeof v === "string" ? v : "";
}

export function eventToRow(event: CallCenterEvent, streamSeq: number): EventRow {
  return {
    event_id: event.id,
    kind: event.kind,
    org_id: event.org_id,
    occurred_at: toClickHouseDateTime64(event.occurred_at),
    schema_version: event.schema_version,
    campaign_id: field(event, "campaign_id"),
    attempt_id: field(event, "attempt_id"),
    lead_id: field(event, "lead_id"),
    agent_id: field(event, "agent_id"),
    payload: JSON.stringify(event),
    stream_seq: streamSeq,
  };
}

/**
 * The same set of event ids always yields the same token, whatever the order, so a retried
 * INSERT of the same batch is dropped by ClickHouse's insert deduplication.
 */
export function dedupTokenFor(eventIds: readonly string[]): string {
  const h = createHash("sha256");
  for (const id of [...eventIds].sort()) h.update(id).update("\n");
  return `cc-sink-${h.digest("hex")}`;
}
