import { uuidv7 } from "uuidv7";
import { z } from "zod";

/** Ids that also appear as NATS subject tokens and ClickHouse keys: no dots, no wildcards. */
export const EntityId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1–64 characters of letters, digits, '_' or '-'");

export const E164 = z.string().regex(/^\+[1-9]\d{6,14}$/, "must be an E.164 number such as +8613800138000");

/** UUIDv7: sortable by creation time, unique without coordination. */
export const EventId = z.uuid({ version: "v7", error: "must be a UUIDv7" });

/** UTC instant with millisecond precision, ISO 8601 with a 'Z' suffix. */
export const UtcMillis = z.iso.datetime({
  precision: 3,
  error: "must be UTC ISO 8601 with milliseconds, e.g. 2026-01-31T08:00:00.000Z",
});

export const NonNegInt = z.number().int().nonnegative();
export const NonNegSeconds = z
  .number()
  .nonnegative()
  .max(86_400 * 7);
export const NonNegMillis = z.number().int().nonnegative().max(86_400_000);

/** Money in minor units (fen, cents) to keep sums exact. */
export const Money = z.object({
  amount_minor: z.number().int(),
  currency: z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 code such as CNY"),
});

export const SCHEMA_VERSION = 1 as const;

/** Fields every event carries. `kind` is added per event. */
export const envelopeShape = {
  id: EventId,
  occurred_at: UtcMillis,
  org_id: EntityId,
  schema_version: z.literal(SCHEMA_VERSION),
};

export function newEventId(): string {
  return uuidv7();
}

export function utcNow(now: number = Date.now()): string {
  return new Date(now).toISOString();
}
