import { fail } from "@sveltejs/kit";
import { z } from "zod";
import { requireArea } from "#lib/server/auth/guard.ts";
import {
  addNumber,
  ListName,
  NumberForm,
  refusalCounts,
  removeNumber,
  storeFor,
} from "#lib/server/number-lists.ts";
import type { Actions, PageServerLoad } from "./$types";

const Query = z.object({
  list: ListName.catch("dnc"),
  q: z.string().max(20).catch(""),
  cursor: z
    .string()
    .regex(/^\d{1,20}$/)
    .catch("0"),
});

export const load = (async ({ locals, url }) => {
  const user = requireArea(locals, "lists");
  const { list, q, cursor } = Query.parse(Object.fromEntries(url.searchParams));
  const store = await storeFor(user.org, list);
  const [page, total, refusals] = await Promise.all([
    store.page({ cursor, digits: q, size: 50 }),
    store.size(),
    refusalCounts(user.org),
  ]);
  return { list, q, cursor, next: page.cursor, numbers: page.numbers, total, refusals };
}) satisfies PageServerLoad;

function issues(err: z.ZodError) {
  return Object.fromEntries(err.issues.map((i) => [i.path.join(".") || "form", i.message]));
}

export const actions = {
  add: async ({ request, locals }) => {
    const user = requireArea(locals, "lists");
    const f = NumberForm.safeParse(Object.fromEntries(await request.formData()));
    if (!f.success) return fail(400, { issues: issues(f.error) });
    try {
      return { added: await addNumber(user, f.data) };
    } catch (err) {
      if (err instanceof z.ZodError) return fail(400, { issues: issues(err) });
      throw err;
    }
  },
  remove: async ({ request, locals }) => {
    const user = requireArea(locals, "lists");
    const f = NumberForm.safeParse(Object.fromEntries(await request.formData()));
    if (!f.success) return fail(400, { issues: issues(f.error) });
    return { removed: await removeNumber(user, f.data) };
  },
} satisfies Actions;
