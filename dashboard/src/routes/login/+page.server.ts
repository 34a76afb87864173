import { fail, redirect } from "@sveltejs/kit";
import { z } from "zod";
import { safeLocalPath } from "#lib/safe-path.ts";
import { clearLoginFailures, loginBlockedFor, recordLoginFailure } from "#lib/server/auth/rate-limit.ts";
import { createSession, SESSION_COOKIE } from "#lib/server/auth/sessions.ts";
import { homeFor } from "#lib/server/auth/types.ts";
import { checkCredentials } from "#lib/server/auth/users.ts";
import { config } from "#lib/server/config.ts";
import { log } from "#lib/server/log.ts";
import { loginFailures } from "#lib/server/metrics.ts";
import { redis } from "#lib/server/redis.ts";
import type { Actions, PageServerLoad } from "./$types";

const LoginForm = z.object({
  username: z.string().trim().toLowerCase().min(1).max(64),
  password: z.string().min(1).max(200),
  next: z.string().max(500).optional(),
});

export const load = (({ locals, url }) => {
  if (locals.user)
    redirect(303, safeLocalPath(url.searchParams.get("next") ?? undefined) ?? homeFor(locals.user.role));
  return { next: url.searchParams.get("next") ?? "" };
}) satisfies PageServerLoad;

export const actions = {
  default: async ({ request, cookies, getClientAddress, url, setHeaders }) => {
    const parsed = LoginForm.safeParse(Object.fromEntries(await request.formData()));
    if (!parsed.success) return fail(400, { error: "invalid" as const, username: "" });
    const { username, password, next } = parsed.data;
    const cfg = config();
    const r = await redis();
    const ip = getClientAddress();
    const limit = { max: cfg.LOGIN_MAX_FAILURES, windowS: cfg.LOGIN_WINDOW_S };
    const blocked = await loginBlockedFor(r, username, ip, limit);
    if (blocked > 0) {
      loginFailures.inc({ reason: "rate_limited" });
      setHeaders({ "retry-after": String(blocked) });
      return fail(429, { error: "locked" as const, retryAfter: blocked, username });
    }
    const user = await checkCredentials(r, username, password);
    if (!user) {
      await recordLoginFailure(r, username, ip, limit);
      loginFailures.inc({ reason: "bad_credentials" });
      log.info({ username, ip }, "sign-in failed");
      return fail(401, { error: "invalid" as const, username });
    }
    await clearLoginFailures(r, username, ip);
    const sid = await createSession(r, user.username, cfg.SESSION_TTL_S);
    cookies.set(SESSION_COOKIE, sid, {
      path: "/",
      httpOnly: true,
      sameSite: "lax",
      secure: url.protocol === "https:",
      maxAge: cfg.SESSION_TTL_S,
    });
    log.info({ username: user.username, role: user.role }, "signed in");
    redirect(
      303,
      user.mustChangePassword ? "/account/password" : (safeLocalPath(next) ?? homeFor(user.role)),
    );
  },
} satisfies Actions;
