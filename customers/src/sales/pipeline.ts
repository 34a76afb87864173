// The sales pipeline's rules (销售阶段, 合同审批, 订单, 回款计划, 服务工单). Each function
// validates its input with zod, applies the rule, and returns the event to publish: the
// event log is the record, ClickHouse (sales_facts) the history the reports read.
import {
  CalendarDay,
  type CallCenterEvent,
  DEFAULT_WIN_PROBABILITY,
  EntityId,
  makeEvent,
  SalesStage,
  TicketCategory,
} from "@cc/ingest";
import { z } from "zod";
import type { Actor } from "../records/types.ts";

export class SalesRuleError extends Error {
  override name = "SalesRuleError";
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

const MANAGERS = new Set(["manager", "director", "admin"]);
const Amount = z.number().int().positive().max(1e13);
const Currency = z
  .string()
  .regex(/^[A-Z]{3}$/)
  .default("CNY");

/** The rep acting: their own agent id (orders and forecasts are keyed by agent). */
function repId(actor: Actor): string {
  const id = actor.agentId ?? actor.userId;
  return EntityId.parse(id);
}

/** A rep works only their own opportunities; managers and directors may act for any rep. */
function assertActsFor(actor: Actor, agentId: string): void {
  if (MANAGERS.has(actor.role)) return;
  if (repId(actor) !== agentId) {
    throw new SalesRuleError("NOT_YOURS", `opportunity belongs to ${agentId}, not ${repId(actor)}`);
  }
}

export const StageChangeInput = z.object({
  opportunity_id: EntityId,
  customer_id: EntityId,
  agent_id: EntityId.optional(),
  team_id: EntityId.optional(),
  campaign_id: EntityId.optional(),
  stage: SalesStage,
  /** The stage the rep saw (from the opportunity's history); a closed one cannot move. */
  previous_stage: SalesStage.optional(),
  win_probability: z.number().min(0).max(1).optional(),
  expected_amount_minor: z.number().int().nonnegative().max(1e13),
  currency: Currency,
  expected_close_on: CalendarDay.optional(),
  note: z.string().max(2000).default(""),
});
export type StageChangeInput = z.input<typeof StageChangeInput>;

/** Moves an opportunity to a stage; probability defaults to the stage's, signed = 1, lost = 0. */
export function changeStage(actor: Actor, input: StageChangeInput, now = Date.now()): CallCenterEvent {
  const p = StageChangeInput.parse(input);
  const agent = p.agent_id ?? repId(actor);
  assertActsFor(actor, agent);
  if (p.previous_stage === "signed" || p.previous_stage === "lost") {
    throw new SalesRuleError("CLOSED", `opportunity ${p.opportunity_id} is already ${p.previous_stage}`);
  }
  const fixed = p.stage === "signed" ? 1 : p.stage === "lost" ? 0 : undefined;
  return makeEvent(
    {
      kind: "opportunity.stage_changed",
      org_id: actor.orgId,
      opportunity_id: p.opportunity_id,
      customer_id: p.customer_id,
      agent_id: agent,
      ...(p.team_id ? { team_id: p.team_id } : {}),
      ...(p.campaign_id ? { campaign_id: p.campaign_id } : {}),
      stage: p.stage,
      ...(p.previous_stage ? { previous_stage: p.previous_stage } : {}),
      win_probability: fixed ?? p.win_probability ?? DEFAULT_WIN_PROBABILITY[p.stage],
      expected_amount: { amount_minor: p.expected_amount_minor, currency: p.currency },
      ...(p.expected_close_on ? { expected_close_on: p.expected_close_on } : {}),
      note: p.note,
    },
    now,
  );
}

export const ContractInput = z.object({
  contract_id: EntityId,
  customer_id: EntityId,
  opportunity_id: EntityId.optional(),
  amount_minor: Amount,
  currency: Currency,
  starts_on: CalendarDay,
  ends_on: CalendarDay,
  title: z.string().trim().min(1).max(200),
});
export type ContractInput = z.input<typeof ContractInput>;

/** A rep submits a contract; it counts only once a manager approves it. */
export function submitContract(actor: Actor, input: ContractInput, now = Date.now()): CallCenterEvent {
  const p = ContractInput.parse(input);
  if (p.ends_on < p.starts_on)
    throw new SalesRuleError("BAD_DATES", "a contract cannot end before it starts");
  return makeEvent(
    {
      kind: "contract.submitted",
      org_id: actor.orgId,
      contract_id: p.contract_id,
      customer_id: p.customer_id,
      agent_id: repId(actor),
      ...(p.opportunity_id ? { opportunity_id: p.opportunity_id } : {}),
      amount: { amount_minor: p.amount_minor, currency: p.currency },
      starts_on: p.starts_on,
      ends_on: p.ends_on,
      title: p.title,
    },
    now,
  );
}

/** What the approver sees of a contract (from `pendingContracts`). */
export const PendingContract = z.object({
  contract_id: EntityId,
  customer_id: EntityId,
  agent_id: EntityId,
  /** The submitting rep's team; a manager decides only for teams they manage. */
  team_id: z.string(),
  status: z.enum(["submitted", "approved", "rejected"]),
});
export type PendingContract = z.infer<typeof PendingContract>;

export const ContractDecision = z.discriminatedUnion("decision", [
  z.object({ decision: z.literal("approve"), note: z.string().max(2000).default("") }),
  z.object({ decision: z.literal("reject"), reason: z.string().trim().min(1).max(2000) }),
]);
export type ContractDecision = z.input<typeof ContractDecision>;

/**
 * The approval step (合同审批): a manager of the rep's team, or a director, decides once.
 * Nobody approves their own contract.
 */
export function decideContract(
  actor: Actor,
  contract: PendingContract,
  input: ContractDecision,
  now = Date.now(),
): CallCenterEvent {
  const d = ContractDecision.parse(input);
  const c = PendingContract.parse(contract);
  if (!MANAGERS.has(actor.role))
    throw new SalesRuleError("NOT_APPROVER", "only a manager or director approves");
  if (actor.role === "manager" && !actor.teamIds.includes(c.team_id)) {
    throw new SalesRuleError("NOT_YOUR_TEAM", `contract ${c.contract_id} is not from a team you manage`);
  }
  // Managers are users, not necessarily agents: their user name is the approver id.
  const me = actor.agentId ?? actor.userId;
  if (c.agent_id === me) throw new SalesRuleError("SELF_APPROVAL", "you cannot decide your own contract");
  if (c.status !== "submitted") {
    throw new SalesRuleError("ALREADY_DECIDED", `contract ${c.contract_id} is already ${c.status}`);
  }
  const base = {
    org_id: actor.orgId,
    contract_id: c.contract_id,
    customer_id: c.customer_id,
    agent_id: c.agent_id,
    approver_id: me,
  };
  return d.decision === "approve"
    ? makeEvent({ kind: "contract.approved", ...base, note: d.note }, now)
    : makeEvent({ kind: "contract.rejected", ...base, reason: d.reason }, now);
}

/**
 * Who held a customer (私海) at an instant: the customers workspace's ownership store answers
 * (`holderAt(customerId, ts)`); null = in the public pool. Orders ask it so performance is
 * credited only for held customers.
 */
export type HolderAt = (customerId: string, ts: number) => Promise<string | null>;

const Item = z.object({ sku: EntityId, quantity: z.number().int().positive(), unit_price_minor: Amount });
export const OrderInput = z.object({
  order_id: EntityId,
  customer_id: EntityId,
  lead_id: EntityId,
  campaign_id: EntityId.optional(),
  attempt_id: EntityId.optional(),
  contract_id: EntityId.optional(),
  currency: Currency,
  items: z.array(Item).min(1).max(500),
});
export type OrderInput = z.input<typeof OrderInput>;

function itemsOf(p: z.infer<typeof OrderInput>) {
  const items = p.items.map((i) => ({
    sku: i.sku,
    quantity: i.quantity,
    unit_price: { amount_minor: i.unit_price_minor, currency: p.currency },
  }));
  const total = p.items.reduce((s, i) => s + i.quantity * i.unit_price_minor, 0);
  return { items, total: { amount_minor: total, currency: p.currency } };
}

/**
 * An order by phone (电话下单). It records whether the rep held the customer at order time;
 * without a `holderAt` lookup the flag is left out (not checked), never guessed.
 */
export async function placeOrder(
  actor: Actor,
  input: OrderInput,
  holderAt?: HolderAt,
  now = Date.now(),
): Promise<CallCenterEvent> {
  const p = OrderInput.parse(input);
  const agent = repId(actor);
  const held = holderAt ? (await holderAt(p.customer_id, now)) === agent : undefined;
  return makeEvent(
    {
      kind: "order.created",
      org_id: actor.orgId,
      order_id: p.order_id,
      lead_id: p.lead_id,
      customer_id: p.customer_id,
      agent_id: agent,
      ...(p.campaign_id ? { campaign_id: p.campaign_id } : {}),
      ...(p.attempt_id ? { attempt_id: p.attempt_id } : {}),
      ...(p.contract_id ? { contract_id: p.contract_id } : {}),
      ...(held === undefined ? {} : { held_by_agent: held }),
      ...itemsOf(p),
    },
    now,
  );
}

export const OrderChange = OrderInput.extend({ reason: z.string().trim().min(1).max(500) });
export type OrderChange = z.input<typeof OrderChange>;

export function modifyOrder(actor: Actor, input: OrderChange, now = Date.now()): CallCenterEvent {
  const p = OrderChange.parse(input);
  return makeEvent(
    {
      kind: "order.modified",
      org_id: actor.orgId,
      order_id: p.order_id,
      lead_id: p.lead_id,
      customer_id: p.customer_id,
      agent_id: repId(actor),
      reason: p.reason,
      ...itemsOf(p),
    },
    now,
  );
}

export const CancelInput = z.object({
  order_id: EntityId,
  lead_id: EntityId,
  customer_id: EntityId,
  reason: z.string().trim().min(1).max(500),
});

export function cancelOrder(
  actor: Actor,
  input: z.input<typeof CancelInput>,
  now = Date.now(),
): CallCenterEvent {
  const p = CancelInput.parse(input);
  return makeEvent({ kind: "order.cancelled", org_id: actor.orgId, agent_id: repId(actor), ...p }, now);
}

export const PaymentPlanInput = z.object({
  plan_id: EntityId,
  order_id: EntityId,
  customer_id: EntityId,
  order_total_minor: Amount,
  currency: Currency,
  installments: z
    .array(z.object({ due_on: CalendarDay, amount_minor: Amount }))
    .min(1)
    .max(120),
});
export type PaymentPlanInput = z.input<typeof PaymentPlanInput>;

/** A payment plan (回款计划): due dates in order, amounts adding up to the order total. */
export function planPayments(actor: Actor, input: PaymentPlanInput, now = Date.now()): CallCenterEvent {
  const p = PaymentPlanInput.parse(input);
  const sum = p.installments.reduce((s, i) => s + i.amount_minor, 0);
  if (sum !== p.order_total_minor) {
    throw new SalesRuleError(
      "PLAN_TOTAL",
      `installments add up to ${sum}, the order is ${p.order_total_minor}`,
    );
  }
  for (let i = 1; i < p.installments.length; i++) {
    if ((p.installments[i]?.due_on ?? "") <= (p.installments[i - 1]?.due_on ?? "")) {
      throw new SalesRuleError("PLAN_DATES", "installment due dates must be strictly increasing");
    }
  }
  return makeEvent(
    {
      kind: "payment.plan_created",
      org_id: actor.orgId,
      plan_id: p.plan_id,
      order_id: p.order_id,
      customer_id: p.customer_id,
      agent_id: repId(actor),
      installments: p.installments.map((i, n) => ({
        seq: n + 1,
        due_on: i.due_on,
        amount: { amount_minor: i.amount_minor, currency: p.currency },
      })),
    },
    now,
  );
}

/** Splits a total into `n` monthly installments from `first` (the last one takes the rest). */
export function monthlyInstallments(totalMinor: number, n: number, first: string) {
  const each = Math.floor(totalMinor / n);
  const [y, m, d] = first.split("-").map(Number) as [number, number, number];
  return Array.from({ length: n }, (_, i) => {
    const due = new Date(Date.UTC(y, m - 1 + i, 1));
    const lastDay = new Date(Date.UTC(due.getUTCFullYear(), due.getUTCMonth() + 1, 0)).getUTCDate();
    due.setUTCDate(Math.min(d, lastDay));
    return {
      due_on: due.toISOString().slice(0, 10),
      amount_minor: i === n - 1 ? totalMinor - each * (n - 1) : each,
    };
  });
}

export const TicketInput = z.object({
  ticket_id: EntityId,
  customer_id: EntityId,
  category: TicketCategory,
  subject: z.string().trim().min(1).max(500),
});

export function openTicket(
  actor: Actor,
  input: z.input<typeof TicketInput>,
  now = Date.now(),
): CallCenterEvent {
  const p = TicketInput.parse(input);
  return makeEvent({ kind: "ticket.opened", org_id: actor.orgId, agent_id: repId(actor), ...p }, now);
}

export function resolveTicket(
  actor: Actor,
  input: { ticket_id: string; customer_id: string; resolution?: string },
  now = Date.now(),
): CallCenterEvent {
  const p = z
    .object({ ticket_id: EntityId, customer_id: EntityId, resolution: z.string().max(2000).default("") })
    .parse(input);
  return makeEvent({ kind: "ticket.resolved", org_id: actor.orgId, agent_id: repId(actor), ...p }, now);
}

/** The satisfaction follow-up (回访) is asked only after the ticket is resolved. */
export function recordSatisfaction(
  actor: Actor,
  ticket: { ticket_id: string; customer_id: string; resolved: boolean },
  input: { score: number; comment?: string },
  now = Date.now(),
): CallCenterEvent {
  const p = z
    .object({ score: z.number().int().min(1).max(5), comment: z.string().max(2000).default("") })
    .parse(input);
  if (!ticket.resolved)
    throw new SalesRuleError("NOT_RESOLVED", `ticket ${ticket.ticket_id} is not resolved yet`);
  return makeEvent(
    {
      kind: "ticket.satisfaction_recorded",
      org_id: actor.orgId,
      ticket_id: EntityId.parse(ticket.ticket_id),
      customer_id: EntityId.parse(ticket.customer_id),
      agent_id: repId(actor),
      ...p,
    },
    now,
  );
}
