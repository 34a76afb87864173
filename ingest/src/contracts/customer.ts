import { z } from "zod";
import { E164, EntityId, envelopeShape, Money, UtcMillis } from "./common.ts";

// Customer records and the ownership rules (公海/私海). These events are the source of truth:
// the customers workspace applies each rule atomically in Redis and writes the accepted fact
// here; its Redis state can be rebuilt by folding these events in order.

export const CustomerGrade = z.enum(["A", "B", "C", "D", "E"]);

/** Who did it: a user id (agent id for reps) or "system" for the release scheduler. */
const Actor = z.string().min(1).max(64);
/** A calendar day in the org's time zone. */
export const LocalDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date such as 2026-11-30");
const Month = z.string().regex(/^\d{4}-\d{2}$/, "must be a month such as 2026-11");

const customerRef = {
  customer_id: EntityId,
  /** The customer's lead, when it came from lead intake (joins the funnel). */
  lead_id: EntityId.optional(),
};

export const CustomerCreated = z.object({
  ...envelopeShape,
  kind: z.literal("customer.created"),
  ...customerRef,
  name: z.string().min(1).max(200),
  company: z.string().max(200).default(""),
  phones: z.array(E164).max(10).default([]),
  contacts: z
    .array(
      z.object({ name: z.string().max(100), phone: E164.optional(), title: z.string().max(100).optional() }),
    )
    .max(50)
    .default([]),
  /** The org's classification fields (必填项/重要项/一般项), by field key. */
  fields: z.record(z.string().max(64), z.string().max(2000)).default({}),
  source: z.string().max(64).default("manual"),
  created_by: Actor,
});

export const CustomerUpdated = z.object({
  ...envelopeShape,
  kind: z.literal("customer.updated"),
  ...customerRef,
  name: z.string().min(1).max(200).optional(),
  company: z.string().max(200).optional(),
  phones: z.array(E164).max(10).optional(),
  contacts: z
    .array(
      z.object({ name: z.string().max(100), phone: E164.optional(), title: z.string().max(100).optional() }),
    )
    .max(50)
    .optional(),
  /** Only the fields that changed; "" clears one. */
  fields: z.record(z.string().max(64), z.string().max(2000)).default({}),
  updated_by: Actor,
});

/** A rep took the customer into their hold (private pool). */
export const CustomerClaimed = z.object({
  ...envelopeShape,
  kind: z.literal("customer.claimed"),
  ...customerRef,
  agent_id: EntityId,
  group_id: EntityId,
  /** The instant the hold ends: 10:00 in the org's zone on the expiry day. */
  held_until: UtcMillis,
  via: z.enum(["claim", "create"]),
  by: Actor,
});

export const CustomerReleased = z.object({
  ...envelopeShape,
  kind: z.literal("customer.released"),
  ...customerRef,
  agent_id: EntityId,
  reason: z.enum(["expired", "manual"]),
  by: Actor,
});

/** The day-before reminder that a hold expires. */
export const CustomerHoldExpiring = z.object({
  ...envelopeShape,
  kind: z.literal("customer.hold_expiring"),
  ...customerRef,
  agent_id: EntityId,
  held_until: UtcMillis,
});

export const CustomerExtensionRequested = z.object({
  ...envelopeShape,
  kind: z.literal("customer.extension_requested"),
  ...customerRef,
  request_id: EntityId,
  agent_id: EntityId,
  days: z.number().int().min(1).max(90),
  reason: z.string().max(500).default(""),
  /** The calendar month (org zone) whose one extension this uses. */
  month: Month,
  /** Who may decide: a manager up to 5 days, a director beyond. */
  needs: z.enum(["manager", "director"]),
});

export const CustomerExtensionDecided = z.object({
  ...envelopeShape,
  kind: z.literal("customer.extension_decided"),
  ...customerRef,
  request_id: EntityId,
  agent_id: EntityId,
  approved: z.boolean(),
  days: z.number().int().min(1).max(90),
  month: Month,
  decided_by: Actor,
  decider_role: z.string().max(32),
  note: z.string().max(500).default(""),
  /** The new end of the hold when approved. */
  held_until: UtcMillis.optional(),
});

/** A manager moved the customer to another rep (bulk reassignment when a rep leaves). */
export const CustomerReassigned = z.object({
  ...envelopeShape,
  kind: z.literal("customer.reassigned"),
  ...customerRef,
  from_agent_id: EntityId.optional(),
  agent_id: EntityId,
  group_id: EntityId,
  held_until: UtcMillis,
  batch_id: EntityId,
  by: Actor,
});

/** Collaboration is registered: a second owner in the same group, or cleared. */
export const CustomerSecondOwnerSet = z.object({
  ...envelopeShape,
  kind: z.literal("customer.second_owner_set"),
  ...customerRef,
  second_owner_id: EntityId.optional(),
  by: Actor,
});

/** A signed deal: the hold no longer expires and leaves the protection quota. */
export const CustomerDealSigned = z.object({
  ...envelopeShape,
  kind: z.literal("customer.deal_signed"),
  ...customerRef,
  agent_id: EntityId,
  order_id: EntityId.optional(),
  by: Actor,
});

export const CustomerGraded = z.object({
  ...envelopeShape,
  kind: z.literal("customer.graded"),
  ...customerRef,
  /** Which grading: expected close (follow-ups) or the order-based second grading. */
  basis: z.enum(["follow_up", "orders"]),
  grade: CustomerGrade,
  previous: CustomerGrade.optional(),
  by: Actor,
});

export const CustomerFollowUpRecorded = z.object({
  ...envelopeShape,
  kind: z.literal("customer.follow_up_recorded"),
  ...customerRef,
  follow_up_id: EntityId,
  agent_id: EntityId,
  channel: z.enum(["call", "visit", "wechat", "sms", "email", "other"]),
  disposition: z.string().max(64).optional(),
  note: z.string().max(2000).default(""),
  grade: CustomerGrade,
  next_contact_on: LocalDate,
  attempt_id: EntityId.optional(),
});

/** Performance attribution of an order: credited only when the rep held the customer then. */
export const CustomerOrderAttributed = z.object({
  ...envelopeShape,
  kind: z.literal("customer.order_attributed"),
  ...customerRef,
  order_id: EntityId,
  agent_id: EntityId,
  holder_id: EntityId.optional(),
  credited: z.boolean(),
  total: Money,
  ordered_at: UtcMillis,
});

export const customerEvents = [
  CustomerCreated,
  CustomerUpdated,
  CustomerClaimed,
  CustomerReleased,
  CustomerHoldExpiring,
  CustomerExtensionRequested,
  CustomerExtensionDecided,
  CustomerReassigned,
  CustomerSecondOwnerSet,
  CustomerDealSigned,
  CustomerGraded,
  CustomerFollowUpRecorded,
  CustomerOrderAttributed,
] as const;
