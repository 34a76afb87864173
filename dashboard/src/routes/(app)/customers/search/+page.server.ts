import type { SearchHit } from "@cc/customers";
import { searchingStore } from "#lib/server/customers.ts";
import { customersContext } from "#lib/server/customers-actor.ts";
import { issuesText, SearchQuery } from "#lib/server/customers-forms.ts";
import type { PageServerLoad } from "./$types";

/** A phone-like query is matched exactly on the number; any query also by name and company. */
const PHONE = /^[+\d\s()-]{6,20}$/;

/**
 * Duplicate search over the whole org: a customer the viewer may not open is still listed with
 * who holds it (that is what a rep needs before creating or claiming), without its details.
 */
export const load = (async ({ locals, url }) => {
  const { user, actor, names } = await customersContext(locals);
  const p = SearchQuery.safeParse(Object.fromEntries(url.searchParams));
  if (!p.success) return { q: "", hits: [] as SearchHit[], names, error: issuesText(p.error) };
  const q = p.data.q;
  if (!q) return { q, hits: [] as SearchHit[], names, error: "" };
  const store = await searchingStore(user.org);
  const hits = await store.searchCustomers(actor, { ...(PHONE.test(q) ? { phone: q } : {}), text: q }, 20);
  return { q, hits, names, error: "" };
}) satisfies PageServerLoad;
