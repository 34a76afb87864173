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
  return { fields: (await store.settings(user.org)).fields };
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

export const actions = {
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
