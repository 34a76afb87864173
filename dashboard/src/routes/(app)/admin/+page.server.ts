import { fail } from "@sveltejs/kit";
import { z } from "zod";
import { requireArea } from "#lib/server/auth/guard.ts";
import { revokeUserSessions } from "#lib/server/auth/sessions.ts";
import { AuthError, ROLES } from "#lib/server/auth/types.ts";
import {
  createTeam,
  createUser,
  getUser,
  listTeams,
  listUsers,
  setPassword,
} from "#lib/server/auth/users.ts";
import { log } from "#lib/server/log.ts";
import { redis } from "#lib/server/redis.ts";
import type { Actions, PageServerLoad } from "./$types";

export const load = (async ({ locals }) => {
  const admin = requireArea(locals, "admin");
  const r = await redis();
  const [users, teams] = await Promise.all([listUsers(r), listTeams(r, admin.org)]);
  return { users: users.filter((u) => u.org === admin.org), teams, roles: ROLES };
}) satisfies PageServerLoad;

const ResetForm = z.object({
  username: z.string().min(1).max(64),
  password: z.string().min(10, "at least 10 characters").max(200),
});

function issues(err: z.ZodError) {
  return Object.fromEntries(err.issues.map((i) => [i.path.join("."), i.message]));
}

export const actions = {
  user: async ({ request, locals }) => {
    const admin = requireArea(locals, "admin");
    const f = Object.fromEntries(await request.formData()) as Record<string, string>;
    try {
      const u = await createUser(await redis(), {
        username: f.username ?? "",
        displayName: f.displayName ?? "",
        role: f.role as (typeof ROLES)[number],
        org: admin.org,
        department: f.department ?? "",
        team: f.team ?? "",
        teams: f.teams ?? "",
        agentId: f.agentId ?? "",
        password: f.password ?? "",
        mustChangePassword: true,
      });
      log.info({ by: admin.username, username: u.username, role: u.role }, "user created");
      return { created: u.username };
    } catch (err) {
      if (err instanceof z.ZodError) return fail(400, { form: "user", issues: issues(err) });
      if (err instanceof AuthError) return fail(400, { form: "user", issues: { [err.code]: err.message } });
      throw err;
    }
  },
  reset: async ({ request, locals }) => {
    const admin = requireArea(locals, "admin");
    const f = ResetForm.safeParse(Object.fromEntries(await request.formData()));
    if (!f.success) return fail(400, { form: "reset", issues: issues(f.error) });
    const r = await redis();
    const target = await getUser(r, f.data.username);
    // Another org's user is answered like a missing one.
    if (!target || target.org !== admin.org)
      return fail(404, { form: "reset", issues: { username: "no such user" } });
    await setPassword(r, target.username, f.data.password, { mustChange: true });
    // Everyone signed in as that user is out, the admin's own session included when resetting oneself.
    const ended = await revokeUserSessions(r, target.username);
    log.info({ by: admin.username, username: target.username, sessionsEnded: ended }, "password reset");
    return { reset: target.username, ended };
  },
  team: async ({ request, locals }) => {
    const admin = requireArea(locals, "admin");
    const f = Object.fromEntries(await request.formData()) as Record<string, string>;
    try {
      const t = await createTeam(await redis(), {
        id: f.id ?? "",
        org: admin.org,
        name: f.name ?? "",
        department: f.department ?? "",
        campaigns: f.campaigns ?? "",
      });
      return { created: t.id };
    } catch (err) {
      if (err instanceof z.ZodError) return fail(400, { form: "team", issues: issues(err) });
      throw err;
    }
  },
} satisfies Actions;
