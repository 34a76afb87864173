import { redirect } from "@sveltejs/kit";
import { destroySession, SESSION_COOKIE } from "#lib/server/auth/sessions.ts";
import { redis } from "#lib/server/redis.ts";
import type { RequestHandler } from "./$types";

export const POST: RequestHandler = async ({ cookies, locals }) => {
  if (locals.sessionId) await destroySession(await redis(), locals.sessionId);
  cookies.delete(SESSION_COOKIE, { path: "/" });
  redirect(303, "/login");
};
