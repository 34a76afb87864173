import { z } from "zod";
import { EntityId, envelopeShape, Money } from "./common.ts";

/**
 * The sales pipeline (销售阶段), in the order the seed documents give it. Each stage has the
 * default win probability a rep starts from; the rep may set another one per opportunity.
 * `lost` closes an opportunity without a deal.
 */
export const SALES_STAGES = [
  "needs", // 初次接触 / 需求
  "invitation", // 电话邀约
  "visit", // 拜访
  "proposal", // 方案
  "demo", // 演示
  "solution", // 正式方案
  "evaluation", // 评估
  "negotiation", // 商务谈判
  "signed", // 签约 / 回款
  "lost",
] as const;
export const SalesStage = z.enum(SALES_STAGES);
export type SalesStage = z.infer<typeof SalesStage>;

export const DEFAULT_WIN_PROBABILITY: Record<SalesStage, number> = {
  needs: 0.05,
  invitation: 0.1,
  visit: 0.2,
  proposal: 0.3,
  demo: 0.4,
  solution: 0.5,
  evaluation: 0.6,
  negotiation: 0.8,
  signed: 1,
  lost: 0,
};

/** A calendar day, e.g. a contract's end or an installment's due date. */
export const CalendarDay = z.iso.date({ error: "must be a date such as 2026-12-31" });

export const OpportunityStageChanged = z.object({
  ...envelopeShape,
  kind: z.literal("opportunity.stage_changed"),
  opportunity_id: EntityId,
  customer_id: EntityId,
  agent_id: EntityId,
  team_id: EntityId.optional(),
  campaign_id: EntityId.optional(),
  lead_id: EntityId.optional(),
  stage: SalesStage,
  previous_stage: SalesStage.optional(),
  win_probability: z.number().min(0).max(1),
  expected_amount: Money,
  expected_close_on: CalendarDay.optional(),
  note: z.string().max(2000).default(""),
});

/** A contract waiting for a manager's approval (合同审批). */
export const ContractSubmitted = z
  .object({
    ...envelopeShape,
    kind: z.literal("contract.submitted"),
    contract_id: EntityId,
    customer_id: EntityId,
    agent_id: EntityId,
    opportunity_id: EntityId.optional(),
    lead_id: EntityId.optional(),
    amount: Money,
    starts_on: CalendarDay,
    ends_on: CalendarDay,
    title: z.string().min(1).max(200),
  })
  .refine((e) => e.ends_on >= e.starts_on, {
    message: "ends_on must not be before starts_on",
    path: ["ends_on"],
  });

export const ContractApproved = z.object({
  ...envelopeShape,
  kind: z.literal("contract.approved"),
  contract_id: EntityId,
  customer_id: EntityId,
  agent_id: EntityId,
  /** The deciding user (a manager's or director's user name). */
  approver_id: z.string().min(1).max(64),
  note: z.string().max(2000).default(""),
});

export const ContractRejected = z.object({
  ...envelopeShape,
  kind: z.literal("contract.rejected"),
  contract_id: EntityId,
  customer_id: EntityId,
  agent_id: EntityId,
  /** The deciding user (a manager's or director's user name). */
  approver_id: z.string().min(1).max(64),
  reason: z.string().min(1).max(2000),
});

const OrderItem = z.object({ sku: EntityId, quantity: z.number().int().positive(), unit_price: Money });

export const OrderModified = z.object({
  ...envelopeShape,
  kind: z.literal("order.modified"),
  order_id: EntityId,
  lead_id: EntityId,
  customer_id: EntityId.optional(),
  agent_id: EntityId.optional(),
  total: Money,
  items: z.array(OrderItem).max(500).default([]),
  reason: z.string().max(500).default(""),
});

/** A payment plan (回款计划): installments with due dates, reminded before they fall due. */
export const PaymentPlanCreated = z.object({
  ...envelopeShape,
  kind: z.literal("payment.plan_created"),
  plan_id: EntityId,
  order_id: EntityId,
  customer_id: EntityId,
  agent_id: EntityId,
  lead_id: EntityId.optional(),
  installments: z
    .array(z.object({ seq: z.number().int().positive(), due_on: CalendarDay, amount: Money }))
    .min(1)
    .max(120),
});

export const TicketCategory = z.enum(["complaint", "inquiry", "repair", "return", "other"]);

/** A service ticket (服务工单); complaints feed the churn warnings. */
export const TicketOpened = z.object({
  ...envelopeShape,
  kind: z.literal("ticket.opened"),
  ticket_id: EntityId,
  customer_id: EntityId,
  agent_id: EntityId.optional(),
  lead_id: EntityId.optional(),
  category: TicketCategory,
  subject: z.string().min(1).max(500),
});

export const TicketResolved = z.object({
  ...envelopeShape,
  kind: z.literal("ticket.resolved"),
  ticket_id: EntityId,
  customer_id: EntityId,
  agent_id: EntityId.optional(),
  resolution: z.string().max(2000).default(""),
});

/** The satisfaction follow-up (回访) after a ticket is resolved: 1 (very unhappy) … 5. */
export const TicketSatisfactionRecorded = z.object({
  ...envelopeShape,
  kind: z.literal("ticket.satisfaction_recorded"),
  ticket_id: EntityId,
  customer_id: EntityId,
  agent_id: EntityId.optional(),
  score: z.number().int().min(1).max(5),
  comment: z.string().max(2000).default(""),
});

export const KnowledgeCategory = z.enum(["script", "faq", "price_list", "policy"]);
export const KnowledgeLang = z.enum(["zh-CN", "en"]);

/** Knowledge base / call scripts (话术库): the latest save of an article wins. */
export const KnowledgeArticleSaved = z.object({
  ...envelopeShape,
  kind: z.literal("knowledge.article_saved"),
  article_id: EntityId,
  /** Absent = every campaign of the org. */
  campaign_id: EntityId.optional(),
  category: KnowledgeCategory,
  lang: KnowledgeLang,
  title: z.string().min(1).max(200),
  body: z.string().min(1).max(20_000),
  tags: z.array(z.string().min(1).max(40)).max(20).default([]),
  author_id: z.string().min(1).max(64),
});

export const KnowledgeArticleDeleted = z.object({
  ...envelopeShape,
  kind: z.literal("knowledge.article_deleted"),
  article_id: EntityId,
  author_id: z.string().min(1).max(64),
});

export const salesEvents = [
  OpportunityStageChanged,
  ContractSubmitted,
  ContractApproved,
  ContractRejected,
  OrderModified,
  PaymentPlanCreated,
  TicketOpened,
  TicketResolved,
  TicketSatisfactionRecorded,
  KnowledgeArticleSaved,
  KnowledgeArticleDeleted,
] as const;
