import { fail } from "@sveltejs/kit";
import {
  ConsoleError,
  changeState,
  currentCustomer,
  DispositionAction,
  dispose,
  liveSelf,
  StateAction,
} from "#lib/server/agent-console.ts";
import { requireArea } from "#lib/server/auth/guard.ts";
import { snippetsFor } from "#lib/server/knowledge.ts";
import { log } from "#lib/server/log.ts";
import type { Actions, PageServerLoad } from "./$types";

export const load = (async ({ locals }) => {
  const user = requireArea(locals, "console");
  const live = await liveSelf(user);
  const customer = live?.call ? await currentCustomer(user).catch(() => null) : null;
  return {
    agentId: user.agentId,
    live,
    customer,
    snippets: snippetsFor(live?.call?.campaign ?? live?.campaign ?? "*", locals.lang),
    now: Date.now(),
  };
}) satisfies PageServerLoad;

function issues(err: { issues: Array<{ path: PropertyKey[]; message: string }> }) {
  return Object.fromEntries(err.issues.map((i) => [i.path.map(String).join("."), i.message]));
}

export const actions = {
  state: async ({ request, locals }) => {
    const user = requireArea(locals, "console");
    const p = StateAction.safeParse(Object.fromEntries(await request.formData()));
    if (!p.success) return fail(400, { issues: issues(p.error) });
    try {
      await changeState(user, p.data);
    } catch (err) {
      if (err instanceof ConsoleError) return fail(409, { issues: { [err.code]: err.message } });
      throw err;
    }
    return { ok: true };
  },
  dispose: async ({ request, locals }) => {
    const user = requireArea(locals, "console");
    const p = DispositionAction.safeParse(Object.fromEntries(await request.formData()));
    if (!p.success) return fail(400, { issues: issues(p.error) });
    try {
      const e = await dispose(user, p.data);
      log.info(
        { agent: user.agentId, attempt: p.data.attempt_id, disposition: p.data.disposition, event: e.id },
        "disposition",
      );
    } catch (err) {
      if (err instanceof ConsoleError) return fail(409, { issues: { [err.code]: err.message } });
      throw err;
    }
    return { saved: true };
  },
} satisfies Actions;
