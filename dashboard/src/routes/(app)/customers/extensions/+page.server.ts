import type { ExtensionRequest } from "@cc/customers";
import { fail } from "@sveltejs/kit";
import { customersContext, isApprover, refusalText } from "#lib/server/customers-actor.ts";
import { DecideForm, issuesText } from "#lib/server/customers-forms.ts";
import { log } from "#lib/server/log.ts";
import type { Actions, PageServerLoad } from "./$types";

/**
 * Extension approvals: a manager sees their groups' pending requests and may approve up to 5 days
 * (more is refused by the store: needs a director) or reject any; a director decides all.
 */
export const load = (async ({ locals }) => {
  const { user, actor, store, names } = await customersContext(locals);
  const requests: ExtensionRequest[] = isApprover(user) ? await store.listExtensionRequests(actor) : [];
  const withNames = await Promise.all(
    requests.map(async (r) => {
      const got = await store.getCustomer(actor, r.customerId);
      return { ...r, customerName: got.ok ? got.customer.name : r.customerId };
    }),
  );
  return { requests: withNames, names, approver: isApprover(user) };
}) satisfies PageServerLoad;

export const actions = {
  decide: async ({ locals, request }) => {
    const { user, actor, store, names, t } = await customersContext(locals);
    if (!isApprover(user))
      return fail(403, { ok: false, message: t("cust.err.forbidden"), reason: "forbidden" });
    const p = DecideForm.safeParse(Object.fromEntries(await request.formData()));
    if (!p.success) return fail(400, { ok: false, message: issuesText(p.error), reason: "invalid" });
    const approve = p.data.approve === "1";
    const r = await store.decideExtension(actor, p.data.id, approve);
    if (!r.ok) {
      log.info({ user: user.username, request: p.data.id, reason: r.reason }, "extension decision refused");
      const status =
        r.reason === "forbidden" || r.reason === "needs_director"
          ? 403
          : r.reason === "not_found"
            ? 404
            : 409;
      return fail(status, { ok: false, message: refusalText(t, r, names), reason: r.reason });
    }
    log.info({ user: user.username, request: p.data.id, approve }, "extension decided");
    return { ok: true, message: approve ? t("cust.ext.approved") : t("cust.ext.rejected"), reason: "" };
  },
} satisfies Actions;
