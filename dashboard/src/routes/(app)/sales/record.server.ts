// The /sales page's record forms: each turns form fields into a rule's input (yuan → fen,
// generated ids), runs the rule from @cc/customers and publishes the event it returns.

import type { Actor } from "@cc/customers";
import {
  changeStage,
  monthlyInstallments,
  openTicket,
  opportunityStage,
  placeOrder,
  planPayments,
  submitContract,
} from "@cc/customers";
import type { CallCenterEvent } from "@cc/ingest";
import { clickhouse } from "#lib/server/clickhouse.ts";
import { holderLookup } from "#lib/server/sales.ts";

export type RecordKind = "stage" | "order" | "contract" | "ticket" | "plan";
type Form = Record<string, string>;

const fen = (yuan: string | undefined) => Math.round(Number(yuan ?? "") * 100);
const id = (prefix: string, given: string | undefined) =>
  given?.trim() ? given.trim() : `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
const opt = (v: string | undefined) => (v?.trim() ? v.trim() : undefined);

export async function buildRecord(actor: Actor, kind: RecordKind, f: Form): Promise<CallCenterEvent> {
  switch (kind) {
    case "stage": {
      const opportunity_id = id("opp", f.opportunity_id);
      const current = await opportunityStage(clickhouse(), actor.orgId, opportunity_id);
      return changeStage(actor, {
        opportunity_id,
        customer_id: f.customer_id ?? "",
        lead_id: opt(f.lead_id),
        stage: f.stage as "needs",
        ...(current ? { previous_stage: current.stage, agent_id: current.agent_id } : {}),
        ...(opt(f.win_probability) ? { win_probability: Number(f.win_probability) / 100 } : {}),
        expected_amount_minor: fen(f.expected_amount),
      } as Parameters<typeof changeStage>[1]);
    }
    case "order":
      return await placeOrder(
        actor,
        {
          order_id: id("ord", f.order_id),
          customer_id: f.customer_id ?? "",
          lead_id: f.lead_id?.trim() || (f.customer_id ?? ""),
          items: [{ sku: f.sku ?? "", quantity: Number(f.quantity), unit_price_minor: fen(f.unit_price) }],
        },
        holderLookup(actor.orgId),
      );
    case "contract":
      return submitContract(actor, {
        contract_id: id("k", f.contract_id),
        customer_id: f.customer_id ?? "",
        amount_minor: fen(f.amount),
        starts_on: f.starts_on ?? "",
        ends_on: f.ends_on ?? "",
        title: f.title ?? "",
      });
    case "ticket":
      return openTicket(actor, {
        ticket_id: id("tk", f.ticket_id),
        customer_id: f.customer_id ?? "",
        category: f.category as "complaint",
        subject: f.subject ?? "",
      });
    case "plan": {
      const total = fen(f.total);
      return planPayments(actor, {
        plan_id: id("plan", f.plan_id),
        order_id: f.order_id ?? "",
        customer_id: f.customer_id ?? "",
        order_total_minor: total,
        installments: monthlyInstallments(
          total,
          Math.max(1, Math.min(60, Number(f.count) || 1)),
          f.first_due ?? "",
        ),
      });
    }
  }
}
