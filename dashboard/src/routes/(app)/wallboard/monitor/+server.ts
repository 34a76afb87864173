import { error, json } from "@sveltejs/kit";
import { requireArea } from "#lib/server/auth/guard.ts";
import { scopeFor } from "#lib/server/auth/scope.ts";
import { MonitorAction, requestMonitor } from "#lib/server/monitor.ts";
import { redis } from "#lib/server/redis.ts";
import type { RequestHandler } from "./$types";

/** Listen / whisper / barge / stop on an agent's live call (supervisors and up, within scope). */
export const POST: RequestHandler = async ({ locals, request }) => {
  const user = requireArea(locals, "wallboard");
  const parsed = MonitorAction.safeParse(await request.json().catch(() => null));
  if (!parsed.success) error(400, { message: parsed.error.issues.map((i) => i.message).join("; ") });
  const scope = await scopeFor(await redis(), user);
  const reply = await requestMonitor(user, scope, parsed.data);
  const status = reply.ok
    ? 200
    : reply.error === "out_of_scope"
      ? 403
      : reply.error === "unavailable"
        ? 503
        : 409;
  return json(reply, { status, headers: { "cache-control": "no-store" } });
};
