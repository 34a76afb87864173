import { fail } from "@sveltejs/kit";
import { z } from "zod";
import { revokeUserSessions } from "#lib/server/auth/sessions.ts";
import { checkCredentials, setPassword } from "#lib/server/auth/users.ts";
import { log } from "#lib/server/log.ts";
import { redis } from "#lib/server/redis.ts";
import type { Actions, PageServerLoad } from "./$types";

const Form = z.object({
  current: z.string().min(1).max(200),
  next: z.string().max(200),
  confirm: z.string().max(200),
});

export const load = (({ locals }) => ({
  mustChange: locals.user?.mustChangePassword ?? false,
})) satisfies PageServerLoad;

export const actions = {
  default: async ({ request, locals }) => {
    const user = locals.user!;
    const p = Form.safeParse(Object.fromEntries(await request.formData()));
    if (!p.success) return fail(400, { error: "password.wrong" as const });
    if (p.data.next.length < 10) return fail(400, { error: "password.too_short" as const });
    if (p.data.next !== p.data.confirm) return fail(400, { error: "password.mismatch" as const });
    const r = await redis();
    if (!(await checkCredentials(r, user.username, p.data.current))) {
      return fail(400, { error: "password.wrong" as const });
    }
    await setPassword(r, user.username, p.data.next);
    // Whoever else holds a session of this user (a stolen cookie, a forgotten browser) is out.
    const ended = await revokeUserSessions(r, user.username, locals.sessionId);
    log.info({ username: user.username, sessionsEnded: ended }, "password changed");
    return { saved: true, ended };
  },
} satisfies Actions;
