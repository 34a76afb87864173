import { fail } from "@sveltejs/kit";
import { customersContext, refusalText } from "#lib/server/customers-actor.ts";
import { fieldValues, issuesText, NewCustomerForm } from "#lib/server/customers-forms.ts";
import { log } from "#lib/server/log.ts";
import type { Actions, PageServerLoad } from "./$types";

/** A new intended customer, checked against the master pool (a conflict is refused with who holds it). */
export const load = (async ({ locals }) => {
  const { user, store } = await customersContext(locals);
  return { fields: (await store.settings(user.org)).fields, isRep: user.agentId !== "" };
}) satisfies PageServerLoad;

export const actions = {
  default: async ({ locals, request }) => {
    const { user, actor, store, names, t } = await customersContext(locals);
    const form = Object.fromEntries(await request.formData());
    const p = NewCustomerForm.safeParse(form);
    if (!p.success)
      return fail(400, {
        ok: false,
        message: t("cust.err.invalid", { detail: issuesText(p.error) }),
        reason: "invalid",
      });
    const settings = await store.settings(user.org);
    const label = (key: string) => {
      const f = settings.fields.find((d) => d.key === key);
      return f ? (locals.lang === "en" ? f.label.en : f.label.zh) : key;
    };
    const r = await store.createCustomer(actor, {
      name: p.data.name,
      company: p.data.company,
      phones: p.data.phone ? [p.data.phone] : [],
      fields: fieldValues(form),
      source: "dashboard",
    });
    if (!r.ok) {
      log.info({ user: user.username, reason: r.reason }, "new customer refused");
      const shown = r.reason === "required_missing" ? { ...r, fields: r.fields.map(label) } : r;
      return fail(r.reason === "duplicate" ? 409 : 400, {
        ok: false,
        message: refusalText(t, shown, names),
        reason: r.reason,
      });
    }
    const missing = r.missingImportant.map(label);
    return {
      ok: true,
      message: t("cust.new.saved"),
      reason: "",
      customerId: r.customer.id,
      // Every empty important field in one reminder, not one prompt per field.
      reminder: missing.length ? t("cust.new.missing_important", { fields: missing.join(", ") }) : "",
    };
  },
} satisfies Actions;
