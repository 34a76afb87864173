import { error, fail } from "@sveltejs/kit";
import { z } from "zod";
import { customersContext, refusalText, repsOn } from "#lib/server/customers-actor.ts";
import { issuesText, ReassignForm, ReassignQuery } from "#lib/server/customers-forms.ts";
import { log } from "#lib/server/log.ts";
import type { Actions, PageServerLoad } from "./$types";

function mayReassign(role: string): boolean {
  return role === "manager" || role === "supervisor" || role === "director" || role === "admin";
}

/**
 * Bulk reassignment: the manager picks a filter (the rep who leaves, optionally a grade), sees
 * the matching customers, and a target rep on their teams; each customer moves atomically.
 */
export const load = (async ({ locals, url }) => {
  const { user, actor, store, redis } = await customersContext(locals);
  if (!mayReassign(user.role)) error(403, "forbidden");
  const q = ReassignQuery.safeParse(Object.fromEntries(url.searchParams));
  const filter = q.success ? q.data : { from: "", grade: "" as const };
  const everyone = user.role === "director" || user.role === "admin";
  const reps = await repsOn(redis, user.org, everyone ? undefined : actor.teamIds);
  let matches: { id: string; name: string; company: string; grade?: string }[] = [];
  if (filter.from) {
    const page = await store.listCustomers(actor, {
      view: "visible",
      ownerId: filter.from,
      ...(filter.grade ? { grade: filter.grade } : {}),
      limit: 500,
    });
    matches = page.items.map((c) => ({
      id: c.id,
      name: c.name,
      company: c.company,
      ...(c.grade ? { grade: c.grade } : {}),
    }));
  }
  // Per-rep limits: the quota that applies (org default or override) and the holds now.
  const quotas = await Promise.all(
    reps.map(async (r) => ({ ...r, ...(await store.quotaOf(user.org, r.id)) })),
  );
  return { reps, filter, matches, quotas };
}) satisfies PageServerLoad;

const QuotaForm = z.object({
  rep: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  quota: z.union([z.literal(""), z.coerce.number().int().min(0).max(10_000)]),
});

export const actions = {
  /** A rep's own protection quota (empty = the org's again): the rep's managers or a director. */
  quota: async ({ locals, request }) => {
    const { user, actor, store, t, redis } = await customersContext(locals);
    if (!mayReassign(user.role))
      return fail(403, { ok: false, message: t("cust.err.forbidden"), refused: [] });
    const p = QuotaForm.safeParse(Object.fromEntries(await request.formData()));
    if (!p.success) return fail(400, { ok: false, message: issuesText(p.error), refused: [] });
    const everyone = user.role === "director" || user.role === "admin";
    const rep = (await repsOn(redis, user.org, everyone ? undefined : actor.teamIds)).find(
      (r) => r.id === p.data.rep,
    );
    if (!rep) return fail(403, { ok: false, message: t("cust.err.forbidden"), refused: [] });
    const r = await store.setRepQuota(actor, rep.id, p.data.quota === "" ? null : p.data.quota);
    if (!r.ok) return fail(403, { ok: false, message: refusalText(t, r), refused: [] });
    log.info({ user: user.username, rep: rep.id, quota: p.data.quota }, "rep quota set");
    return {
      ok: true,
      message: t("cust.rules.quota_saved", { rep: `${rep.name} (${rep.id})` }),
      refused: [],
    };
  },
  reassign: async ({ locals, request }) => {
    const { user, actor, store, names, t, redis } = await customersContext(locals);
    if (!mayReassign(user.role))
      return fail(403, { ok: false, message: t("cust.err.forbidden"), refused: [] });
    const p = ReassignForm.safeParse(Object.fromEntries(await request.formData()));
    if (!p.success) return fail(400, { ok: false, message: issuesText(p.error), refused: [] });
    const target = (await repsOn(redis, user.org)).find((r) => r.id === p.data.to);
    if (!target) return fail(400, { ok: false, message: `unknown rep ${p.data.to}`, refused: [] });
    // The filter the manager previewed; the store checks each customer against their rights.
    const report = await store.reassign(actor, {
      fromRepId: p.data.from,
      ...(p.data.grade ? { grade: p.data.grade } : {}),
      toRepId: target.id,
      toGroupId: target.team,
    });
    log.info(
      {
        user: user.username,
        from: p.data.from,
        to: target.id,
        moved: report.moved.length,
        refused: report.refused.length,
      },
      "bulk reassignment",
    );
    // Customers of other grades are "filtered out" by the store, not refused: not worth a line.
    const refused = report.refused
      .filter((r) => !(r.refusal.reason === "invalid" && r.refusal.issues[0]?.path === "grade"))
      .map((r) => ({ id: r.customerId, message: refusalText(t, r.refusal, names) }));
    const message = t("cust.reassign.done", { n: report.moved.length, to: `${target.name} (${target.id})` });
    if (report.moved.length === 0 && refused.length) return fail(409, { ok: false, message, refused });
    return { ok: true, message, refused };
  },
} satisfies Actions;
