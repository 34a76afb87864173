import type { Customer, DueList } from "@cc/customers";
import { customersContext, repsOn } from "#lib/server/customers-actor.ts";
import { ListQuery } from "#lib/server/customers-forms.ts";
import { expiryBars, gradeBars, mergeDue } from "#lib/server/customers-view.ts";
import { log } from "#lib/server/log.ts";
import type { PageServerLoad } from "./$types";

/**
 * 私海: an agent's own holds (and second-owned), a manager's department, a director's org; with
 * days-to-expiry and grade charts and the due-today/overdue list of the same scope.
 */
export const load = (async ({ locals, url }) => {
  const { user, actor, store, names, redis } = await customersContext(locals);
  const q = ListQuery.safeParse(Object.fromEntries(url.searchParams));
  const filter = q.success ? q.data : { grade: "" as const, owner: "", cursor: "" };
  const isAgent = user.role === "agent";
  const everyone = user.role === "director" || user.role === "admin";
  try {
    const settings = await store.settings(user.org);
    // A rep's own list is small (quota + second-owned): all of it. A team's or the org's is read a
    // page of 500 at a time (the charts then cover the page shown).
    const rows: Customer[] = [];
    let cursor: string | undefined = filter.cursor || undefined;
    do {
      const page = await store.listCustomers(actor, {
        view: isAgent ? "mine" : "visible",
        ...(filter.grade ? { grade: filter.grade } : {}),
        ...(filter.owner ? { ownerId: filter.owner } : {}),
        limit: 500,
        ...(cursor ? { cursor } : {}),
      });
      rows.push(...page.items);
      cursor = page.cursor;
    } while (isAgent && cursor && rows.length < 5_000);
    const now = store.now();
    let due: DueList | null = null;
    if (isAgent) {
      const r = await store.dueList(actor, { scope: "mine" });
      due = r.ok ? r : null;
    } else if (everyone) {
      const r = await store.dueList(actor, { scope: "org" });
      due = r.ok ? r : null;
    } else {
      const lists = await Promise.all(
        actor.teamIds.map((teamId) => store.dueList(actor, { scope: "team", teamId })),
      );
      const ok = lists.filter((l) => l.ok) as DueList[];
      due = mergeDue(ok, ok[0]?.today ?? "");
    }
    const quota = user.agentId ? await store.quotaOf(user.org, user.agentId) : null;
    return {
      rows,
      names,
      now,
      filter: { grade: filter.grade, owner: filter.owner },
      reps: isAgent ? [] : await repsOn(redis, user.org, everyone ? undefined : actor.teamIds),
      expiry: expiryBars(rows, now, settings.holdDays),
      grades: gradeBars(rows),
      due,
      quota: quota ? { held: quota.held, max: quota.quota } : null,
      next: cursor ?? null,
      failed: false,
    };
  } catch (err) {
    log.error({ err }, "customers list failed");
    return {
      rows: [],
      names,
      now: Date.now(),
      filter: { grade: filter.grade, owner: filter.owner },
      reps: [],
      expiry: [],
      grades: [],
      due: null,
      quota: null,
      next: null,
      failed: true,
    };
  }
}) satisfies PageServerLoad;
