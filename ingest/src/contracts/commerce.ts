import { z } from "zod";
import { EntityId, envelopeShape, Money, NonNegInt, UtcMillis } from "./common.ts";

/** One row of an ad platform's report: spend and clicks for one ad in one time slot. */
export const AdSpendReported = z
  .object({
    ...envelopeShape,
    kind: z.literal("ad.spend_reported"),
    channel: z.string().min(1).max(64),
    ad_campaign_id: EntityId,
    ad_id: EntityId,
    slot_start: UtcMillis,
    slot_end: UtcMillis,
    spend: Money,
    impressions: NonNegInt,
    clicks: NonNegInt,
  })
  .refine((e) => e.slot_end > e.slot_start, {
    message: "slot_end must be after slot_start",
    path: ["slot_end"],
  });

export const OrderCreated = z.object({
  ...envelopeShape,
  kind: z.literal("order.created"),
  order_id: EntityId,
  lead_id: EntityId,
  agent_id: EntityId.optional(),
  campaign_id: EntityId.optional(),
  attempt_id: EntityId.optional(),
  /** The customer record (CRM) the order belongs to, when known. */
  customer_id: EntityId.optional(),
  /**
   * Whether `agent_id` held the customer (私海) when the order was placed: performance counts
   * only held customers' orders. Absent = not checked (orders from before the rule existed).
   */
  held_by_agent: z.boolean().optional(),
  contract_id: EntityId.optional(),
  total: Money,
  items: z
    .array(z.object({ sku: EntityId, quantity: z.number().int().positive(), unit_price: Money }))
    .max(500)
    .default([]),
});

export const OrderCancelled = z.object({
  ...envelopeShape,
  kind: z.literal("order.cancelled"),
  order_id: EntityId,
  lead_id: EntityId,
  customer_id: EntityId.optional(),
  agent_id: EntityId.optional(),
  reason: z.string().max(500).default(""),
});

export const PaymentReceived = z.object({
  ...envelopeShape,
  kind: z.literal("payment.received"),
  payment_id: EntityId,
  order_id: EntityId,
  lead_id: EntityId,
  customer_id: EntityId.optional(),
  agent_id: EntityId.optional(),
  /** The payment plan installment this payment settles, if any. */
  plan_id: EntityId.optional(),
  installment_seq: z.number().int().positive().optional(),
  amount: Money,
  method: z.enum(["card", "alipay", "wechat_pay", "bank_transfer", "cash", "other"]),
});

export const commerceEvents = [AdSpendReported, OrderCreated, OrderCancelled, PaymentReceived] as const;
