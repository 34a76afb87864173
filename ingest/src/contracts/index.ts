import { z } from "zod";
import { agentEvents } from "./agent.ts";
import { callEvents } from "./call.ts";
import { commerceEvents } from "./commerce.ts";
import { newEventId, SCHEMA_VERSION, utcNow } from "./common.ts";
import { customerEvents } from "./customer.ts";
import { inboundEvents } from "./inbound.ts";
import { leadEvents } from "./lead.ts";
import { listEvents } from "./lists.ts";
import { pacingEvents } from "./pacing.ts";
import { recordingEvents } from "./recording.ts";
import { salesEvents } from "./sales.ts";
import { trialEvents } from "./trial.ts";

export * from "./agent.ts";
export * from "./call.ts";
export * from "./commands.ts";
export * from "./commerce.ts";
export * from "./common.ts";
export * from "./customer.ts";
export * from "./inbound.ts";
export * from "./lead.ts";
export * from "./lists.ts";
export * from "./pacing.ts";
export * from "./recording.ts";
export * from "./sales.ts";
export * from "./trial.ts";

export const EventSchema = z.discriminatedUnion("kind", [
  ...callEvents,
  ...agentEvents,
  ...leadEvents,
  ...commerceEvents,
  ...pacingEvents,
  ...inboundEvents,
  ...recordingEvents,
  ...listEvents,
  ...salesEvents,
  ...trialEvents,
  ...customerEvents,
]);

/** A validated event as it travels (defaults applied). */
export type CallCenterEvent = z.infer<typeof EventSchema>;
/** What a producer hands in (fields with defaults may be omitted). */
export type CallCenterEventInput = z.input<typeof EventSchema>;
export type EventKind = CallCenterEvent["kind"];
export type EventOf<K extends EventKind> = Extract<CallCenterEvent, { kind: K }>;

export const EVENT_KINDS = EventSchema.options.map((o) => o.shape.kind.value) as EventKind[];

export interface FieldIssue {
  path: string;
  message: string;
}

export type ParseResult = { ok: true; event: CallCenterEvent } | { ok: false; issues: FieldIssue[] };

/** Validates anything (already JSON-decoded) into an event, with field-level issues on failure. */
export function parseEvent(input: unknown): ParseResult {
  const r = EventSchema.safeParse(input);
  if (r.success) return { ok: true, event: r.data };
  return {
    ok: false,
    issues: r.error.issues.map((i) => ({
      path: i.path.map(String).join(".") || "(root)",
      message: i.message,
    })),
  };
}

/** Decodes a message body (UTF-8 JSON) and validates it. */
export function decodeEvent(body: Uint8Array | string): ParseResult {
  let json: unknown;
  try {
    json = JSON.parse(typeof body === "string" ? body : new TextDecoder().decode(body));
  } catch (err) {
    return { ok: false, issues: [{ path: "(body)", message: `not valid JSON: ${(err as Error).message}` }] };
  }
  return parseEvent(json);
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type EventFields = DistributiveOmit<CallCenterEventInput, "id" | "occurred_at" | "schema_version"> & {
  id?: string;
  occurred_at?: string;
};

/** Builds and validates an event, filling id (UUIDv7), occurred_at (now) and schema_version. */
export function makeEvent(fields: EventFields, now: number = Date.now()): CallCenterEvent {
  return EventSchema.parse({
    id: newEventId(),
    occurred_at: utcNow(now),
    schema_version: SCHEMA_VERSION,
    ...fields,
  });
}

export * from "./batch.ts";
