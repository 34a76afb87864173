import { fail } from "@sveltejs/kit";
import {
  ConsoleError,
  changeState,
  currentCustomer,
  DispositionAction,
  dispose,
  HangupAction,
  liveSelf,
  phoneDevice,
  StateAction,
} from "#lib/server/agent-console.ts";
import { requireArea } from "#lib/server/auth/guard.ts";
import { consoleKnowledge } from "#lib/server/knowledge.ts";
import { log } from "#lib/server/log.ts";
import { hangupCustomerCall, SoftphoneError, softphoneEnabled } from "#lib/server/softphone.ts";
import type { Actions, PageServerLoad } from "./$types";

export const load = (async ({ locals, url }) => {
  const user = requireArea(locals, "console");
  const live = await liveSelf(user);
  const customer = live?.call ? await currentCustomer(user).catch(() => null) : null;
  return {
    agentId: user.agentId,
    live,
    device: await phoneDevice(user),
    softphone: softphoneEnabled(),
    customer,
    knowledge: await consoleKnowledge(
      user.org,
      live?.call?.campaign ?? live?.campaign ?? "",
      locals.lang,
      url.searchParams.get("kb"),
    ),
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
  /** Hang up the customer call the agent holds (the phone session stays up). */
  hangup: async ({ request, locals }) => {
    const user = requireArea(locals, "console");
    const p = HangupAction.safeParse(Object.fromEntries(await request.formData()));
    if (!p.success) return fail(400, { hangup: { error: "bad_request", issues: issues(p.error) } });
    try {
      await hangupCustomerCall(user, p.data.attempt_id);
    } catch (err) {
      if (err instanceof SoftphoneError) {
        log.info(
          { agent: user.agentId, attempt: p.data.attempt_id, code: err.code, why: err.message },
          "hang-up refused",
        );
        return fail(err.status, { hangup: { error: err.code === "REFUSED" ? err.message : err.code } });
      }
      throw err;
    }
    log.info({ agent: user.agentId, attempt: p.data.attempt_id }, "agent hung up the customer call");
    return { hungUp: true };
  },
} satisfies Actions;
