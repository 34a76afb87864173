import { fail } from "@sveltejs/kit";
import { customersContext, refusalText } from "#lib/server/customers-actor.ts";
import { ClaimForm, issuesText, ListQuery } from "#lib/server/customers-forms.ts";
import { log } from "#lib/server/log.ts";
import type { Actions, PageServerLoad } from "./$types";

/** 公海: the public pool, visible to every rep of the org, claimed one customer at a time. */
export const load = (async ({ locals, url }) => {
  const { user, actor, store } = await customersContext(locals);
  const q = ListQuery.safeParse(Object.fromEntries(url.searchParams));
  const filter = q.success ? q.data : { grade: "" as const, owner: "", cursor: "" };
  const settings = await store.settings(user.org);
  const quota = user.agentId
    ? await store.quotaOf(user.org, user.agentId)
    : { quota: settings.quota, held: 0 };
  try {
    const page = await store.listCustomers(actor, {
      view: "pool",
      ...(filter.grade ? { grade: filter.grade } : {}),
      ...(filter.cursor ? { cursor: filter.cursor } : {}),
      limit: 100,
    });
    return {
      rows: page.items,
      next: page.cursor ?? null,
      now: store.now(),
      filter: { grade: filter.grade },
      holdDays: settings.holdDays,
      quota: { held: quota.held, max: quota.quota },
      failed: false,
    };
  } catch (err) {
    log.error({ err }, "customer pool failed");
    return {
      rows: [],
      next: null,
      now: Date.now(),
      filter: { grade: filter.grade },
      holdDays: settings.holdDays,
      quota: { held: quota.held, max: quota.quota },
      failed: true,
    };
  }
}) satisfies PageServerLoad;

export const actions = {
  /** Claim: quota and "held by X" are decided atomically in the store; a refusal names the holder. */
  claim: async ({ locals, request }) => {
    const { user, actor, store, names, t } = await customersContext(locals);
    const p = ClaimForm.safeParse(Object.fromEntries(await request.formData()));
    if (!p.success) return fail(400, { refused: issuesText(p.error), reason: "invalid" });
    const r = await store.claim(actor, p.data.id);
    if (!r.ok) {
      log.info({ user: user.username, customer: p.data.id, reason: r.reason }, "claim refused");
      return fail(409, { refused: refusalText(t, r, names), reason: r.reason });
    }
    const got = await store.getCustomer(actor, p.data.id);
    log.info({ user: user.username, customer: p.data.id }, "customer claimed");
    return { claimed: { id: p.data.id, name: got.ok ? got.customer.name : p.data.id, until: r.heldUntil } };
  },
} satisfies Actions;
