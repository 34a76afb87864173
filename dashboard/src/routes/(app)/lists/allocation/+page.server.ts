import { fail } from "@sveltejs/kit";
import { z } from "zod";
import {
  AllocateForm,
  allocate,
  configuredCampaigns,
  MoveForm,
  move,
  overview,
} from "#lib/server/allocation.ts";
import { requireArea } from "#lib/server/auth/guard.ts";
import { listTeams } from "#lib/server/auth/users.ts";
import { redis } from "#lib/server/redis.ts";
import type { Actions, PageServerLoad } from "./$types";

const Campaign = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

export const load = (async ({ locals, url }) => {
  const user = requireArea(locals, "lists");
  const campaigns = configuredCampaigns().map((c) => c.id);
  const asked = Campaign.safeParse(url.searchParams.get("campaign"));
  const campaign = asked.success ? asked.data : (campaigns[0] ?? "");
  const [teams, view] = await Promise.all([
    listTeams(await redis(), user.org),
    campaign ? overview(user.org, campaign) : Promise.resolve(null),
  ]);
  return { campaigns, campaign, teams: teams.map((t) => t.id), view };
}) satisfies PageServerLoad;

function issues(err: z.ZodError) {
  return Object.fromEntries(err.issues.map((i) => [i.path.join(".") || "form", i.message]));
}

export const actions = {
  allocate: async ({ request, locals }) => {
    const user = requireArea(locals, "lists");
    const f = AllocateForm.safeParse(Object.fromEntries(await request.formData()));
    if (!f.success) return fail(400, { issues: issues(f.error) });
    return { allocation: await allocate(user, f.data) };
  },
  move: async ({ request, locals }) => {
    const user = requireArea(locals, "lists");
    const f = MoveForm.safeParse(Object.fromEntries(await request.formData()));
    if (!f.success) return fail(400, { issues: issues(f.error) });
    return { move: await move(user, f.data) };
  },
} satisfies Actions;
