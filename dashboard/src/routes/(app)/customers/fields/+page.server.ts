import { FieldDef } from "@cc/customers";
import { error, fail } from "@sveltejs/kit";
import { z } from "zod";
import { customersContext, refusalText } from "#lib/server/customers-actor.ts";
import { issuesText } from "#lib/server/customers-forms.ts";
import { log } from "#lib/server/log.ts";
import type { Actions, PageServerLoad } from "./$types";

const mayConfigure = (role: string) => role === "director" || role === "admin";

/** Per-org customer fields: required (必填项), important (重要项), general (一般项). */
export const load = (async ({ locals }) => {
  const { user, store } = await customersContext(locals);
  if (!mayConfigure(user.role)) error(403, "forbidden");
  const s = await store.settings(user.org);
  return {
    fields: s.fields,
    rules: {
      quota: s.quota,
      holdDays: s.holdDays,
      releaseHour: s.releaseHour,
      timeZone: s.timeZone,
      managerExtensionMaxDays: s.managerExtensionMaxDays,
    },
  };
}) satisfies PageServerLoad;

const FieldsForm = z.object({
  fields: z
    .string()
    .max(100_000)
    .transform((s, ctx) => {
      try {
        return JSON.parse(s) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: "not JSON" });
        return z.NEVER;
      }
    })
    .pipe(z.array(FieldDef).max(200)),
});

/** The ownership rules of the org (the seed documents' 15 / 15 days / 10:00 / 5 days by default). */
const RulesForm = z.object({
  quota: z.coerce.number().int().min(0).max(10_000),
  holdDays: z.coerce.number().int().min(1).max(365),
  releaseHour: z.coerce.number().int().min(0).max(23),
  timeZone: z.string().trim().min(1).max(64),
  managerExtensionMaxDays: z.coerce.number().int().min(0).max(90),
});

export const actions = {
  rules: async ({ locals, request }) => {
    const { user, actor, store, t } = await customersContext(locals);
    if (!mayConfigure(user.role)) return fail(403, { ok: false, message: t("cust.err.forbidden") });
    const p = RulesForm.safeParse(Object.fromEntries(await request.formData()));
    if (!p.success)
      return fail(400, { ok: false, message: t("cust.err.invalid", { detail: issuesText(p.error) }) });
    const r = await store.updateSettings(actor, p.data);
    if (!r.ok) return fail(r.reason === "forbidden" ? 403 : 400, { ok: false, message: refusalText(t, r) });
    log.info({ user: user.username, rules: p.data }, "customer ownership rules changed");
    return { ok: true, message: t("cust.rules.saved") };
  },
  save: async ({ locals, request }) => {
    const { user, actor, store, t } = await customersContext(locals);
    if (!mayConfigure(user.role)) return fail(403, { ok: false, message: t("cust.err.forbidden") });
    const p = FieldsForm.safeParse(Object.fromEntries(await request.formData()));
    if (!p.success)
      return fail(400, { ok: false, message: t("cust.err.invalid", { detail: issuesText(p.error) }) });
    const keys = p.data.fields.map((f) => f.key);
    if (new Set(keys).size !== keys.length)
      return fail(400, { ok: false, message: t("cust.err.invalid", { detail: "duplicate field key" }) });
    const r = await store.updateSettings(actor, { fields: p.data.fields });
    if (!r.ok) return fail(r.reason === "forbidden" ? 403 : 400, { ok: false, message: refusalText(t, r) });
    log.info({ user: user.username, fields: keys }, "customer fields configured");
    return { ok: true, message: t("cust.fields.saved") };
  },
} satisfies Actions;
