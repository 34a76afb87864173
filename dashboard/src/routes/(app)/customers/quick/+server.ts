import { json } from "@sveltejs/kit";
import { currentCustomer } from "#lib/server/agent-console.ts";
import { customersContext, refusalText } from "#lib/server/customers-actor.ts";
import { issuesText, QuickRecord } from "#lib/server/customers-forms.ts";
import { log } from "#lib/server/log.ts";
import type { RequestHandler } from "./$types";

const STATUS: Record<string, number> = {
  not_found: 404,
  forbidden: 403,
  invalid: 400,
  unknown_disposition: 400,
};

/**
 * One-key quick record from the console: on a customer id, or on the customer of the agent's
 * current call (the lead must be that call's; the customer record is found by its phone).
 */
export const POST: RequestHandler = async ({ locals, request }) => {
  const { user, actor, store, names, t } = await customersContext(locals);
  const body = await request.json().catch(() => null);
  const p = QuickRecord.safeParse(body);
  if (!p.success) return json({ reason: "invalid", message: issuesText(p.error) }, { status: 400 });
  let customerId = p.data.customer_id;
  if (!customerId && p.data.lead_id) {
    const card = await currentCustomer(user).catch(() => null);
    if (!card || card.leadId !== p.data.lead_id)
      return json(
        { reason: "not_current_call", message: "this lead is not the agent's current call" },
        { status: 409 },
      );
    const hits = card.phone ? await store.searchCustomers(actor, { phone: card.phone }, 1) : [];
    customerId = hits[0]?.customerId;
    if (!customerId) return json({ reason: "not_found", message: t("cust.err.not_found") }, { status: 404 });
  }
  const r = await store.quickFollowUp(
    actor,
    customerId ?? "",
    p.data.disposition,
    locals.lang === "en" ? "en" : "zh",
  );
  if (!r.ok) {
    log.info({ user: user.username, customer: customerId, reason: r.reason }, "quick record refused");
    return json({ reason: r.reason, message: refusalText(t, r, names) }, { status: STATUS[r.reason] ?? 409 });
  }
  log.info({ user: user.username, customer: customerId, disposition: p.data.disposition }, "quick record");
  return json({ ok: true, customerId, nextContactOn: r.followUp.nextContactOn, grade: r.followUp.grade });
};
