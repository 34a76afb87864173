// Lead allocation for managers (分配): allocate a campaign's pool leads to teams and agents by
// quota, move leads between agents/teams or back to the pool. The list operations are pacing's
// (atomic Lua); each assignment is a lead.assigned event (assigned_by rule for a quota plan,
// manager for a move) in ClickHouse.
import {
  allocateLeads,
  allocationOverview,
  assignmentEvents,
  type CampaignConfig,
  parseCampaigns,
  reallocateLeads,
} from "@cc/pacing";
import { z } from "zod";
import type { SessionUser } from "./auth/types.ts";
import { log } from "./log.ts";
import { publish } from "./nats.ts";
import { redis } from "./redis.ts";

const Id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "1–64 of letters, digits, '_' or '-'");

/** The configured campaigns (CC_CAMPAIGNS, as pacing reads it); none when unset or unreadable. */
export function configuredCampaigns(): CampaignConfig[] {
  try {
    return parseCampaigns(process.env.CC_CAMPAIGNS ?? "[]");
  } catch (err) {
    log.warn({ err: (err as Error).message }, "CC_CAMPAIGNS unreadable: allocation page without campaigns");
    return [];
  }
}

export async function overview(org: string, campaignId: string) {
  return await allocationOverview(await redis(), { orgId: org, campaignId });
}

const idList = z
  .string()
  .max(200_000)
  .transform((s) => s.split(/[\s,;，]+/).filter(Boolean))
  .pipe(z.array(Id).max(10_000));

export const AllocateForm = z.object({
  campaign: Id,
  team: Id,
  agents: idList,
  quota: z.coerce.number().int().min(1).max(1_000_000),
});

export const MoveForm = z.object({
  campaign: Id,
  leads: idList.pipe(z.array(Id).min(1)),
  team: z.union([Id, z.literal("")]),
  agent: z.union([Id, z.literal("")]),
});

function holdMs(campaignId: string): number | undefined {
  const c = configuredCampaigns().find((x) => x.id === campaignId);
  return c ? c.recycle_after_h * 3_600_000 : undefined;
}

async function publishAll(events: ReturnType<typeof assignmentEvents>): Promise<void> {
  for (const e of events) await publish(e);
}

export async function allocate(user: SessionUser, f: z.infer<typeof AllocateForm>) {
  const hold = holdMs(f.campaign);
  const got = await allocateLeads(await redis(), {
    orgId: user.org,
    campaignId: f.campaign,
    plan: [{ teamId: f.team, quota: f.quota, ...(f.agents.length ? { agentIds: f.agents } : {}) }],
    ...(hold ? { holdMs: hold } : {}),
  });
  await publishAll(assignmentEvents(user.org, f.campaign, got, "rule"));
  log.info(
    { by: user.username, campaign: f.campaign, team: f.team, allocated: got.length },
    "leads allocated",
  );
  return { allocated: got.length, wanted: f.quota };
}

export async function move(user: SessionUser, f: z.infer<typeof MoveForm>) {
  const hold = holdMs(f.campaign);
  const r = await reallocateLeads(await redis(), {
    orgId: user.org,
    campaignId: f.campaign,
    leadIds: f.leads,
    ...(f.team ? { teamId: f.team } : {}),
    ...(f.agent ? { agentId: f.agent } : {}),
    ...(hold ? { holdMs: hold } : {}),
  });
  const to = { ...(f.team ? { teamId: f.team } : {}), ...(f.agent ? { agentId: f.agent } : {}) };
  const pool = !f.team && !f.agent;
  await publishAll(
    assignmentEvents(
      user.org,
      f.campaign,
      r.moved.map((leadId) => ({ leadId, ...to })),
      pool ? "pool_return" : "manager",
    ),
  );
  log.info({ by: user.username, campaign: f.campaign, moved: r.moved.length, ...to }, "leads moved");
  return { moved: r.moved.length, notMoved: r.notMoved };
}
