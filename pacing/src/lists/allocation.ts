// Allocation of a campaign's leads (分配): org → team → agent by quota. An allocated lead waits in
// its team's or agent's queue, which that team's/agent's dialing takes before the pool (preview:
// offered to that agent first); a manager moves leads between agents and teams; leads left
// untouched for the campaign's recycle time go back to the pool (RedisDialingList releases them
// as it takes). The import engine and the dashboard call these; the caller publishes the
// lead.assigned events (assignmentEvents) since it knows who asked.
import type { EventFields } from "@cc/ingest";
import type { createClient } from "redis";
import { z } from "zod";
import { listKeys } from "./dialing-list.ts";
import { ALLOCATE, REASSIGN } from "./lua.ts";

type Redis = ReturnType<typeof createClient>;

const Id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "ids are 1–64 of [A-Za-z0-9_-]");

/** One line of an allocation plan: `quota` leads to a team, split evenly among `agentIds` if given. */
export const AllocationLine = z.object({
  teamId: Id,
  agentIds: z.array(Id).max(1000).optional(),
  quota: z.number().int().min(0).max(1_000_000),
});
export type AllocationLine = z.infer<typeof AllocationLine>;

export const AllocationRequest = z.object({
  orgId: Id,
  campaignId: Id,
  plan: z.array(AllocationLine).min(1).max(1000),
  /** How long allocated leads stay reserved untouched before returning to the pool. */
  holdMs: z
    .number()
    .int()
    .positive()
    .default(24 * 3_600_000),
});

export interface Assignment {
  leadId: string;
  teamId: string;
  agentId?: string;
}

/** Even split of a quota among agents: 10 over 3 agents → 4, 3, 3. */
export function splitQuota(quota: number, agents: number): number[] {
  return Array.from({ length: agents }, (_, i) => Math.floor(quota / agents) + (i < quota % agents ? 1 : 0));
}

/**
 * Allocates unallocated pool leads (fresh first, then recycled; earliest due first) by the plan,
 * atomically: two managers allocating at once never get the same lead. Fewer leads than the
 * quotas: the lines are served in order.
 */
export async function allocateLeads(
  redis: Redis,
  input: z.input<typeof AllocationRequest>,
  now = Date.now(),
): Promise<Assignment[]> {
  const req = AllocationRequest.parse(input);
  const triples: [string, string, number][] = req.plan.flatMap((line) => {
    const agents = line.agentIds ?? [];
    if (agents.length === 0) return [[line.teamId, "", line.quota] as [string, string, number]];
    return splitQuota(line.quota, agents.length).map(
      (n, i) => [line.teamId, agents[i]!, n] as [string, string, number],
    );
  });
  const wanted = triples.filter(([, , n]) => n > 0);
  if (wanted.length === 0) return [];
  const raw = (await redis.eval(ALLOCATE, {
    keys: [],
    arguments: [
      listKeys.prefix(req.orgId, req.campaignId),
      String(now),
      String(req.holdMs),
      ...wanted.flatMap(([t, a, n]) => [t, a, String(n)]),
    ],
  })) as string[][];
  return wanted.flatMap(([teamId, agentId], i) =>
    (raw[i] ?? []).map((leadId) => ({ leadId, teamId, ...(agentId ? { agentId } : {}) })),
  );
}

export const ReallocationRequest = z.object({
  orgId: Id,
  campaignId: Id,
  leadIds: z.array(Id).min(1).max(100_000),
  /** The new owner; both absent = back to the pool. */
  teamId: Id.optional(),
  agentId: Id.optional(),
  holdMs: z
    .number()
    .int()
    .positive()
    .default(24 * 3_600_000),
});

/**
 * A manager moves leads to another agent or team, or back to the pool. Leads being dialed
 * right now settle to their new owner; closed leads are not moved and are listed with why.
 */
export async function reallocateLeads(
  redis: Redis,
  input: z.input<typeof ReallocationRequest>,
  now = Date.now(),
): Promise<{ moved: string[]; notMoved: { leadId: string; state: string }[] }> {
  const req = ReallocationRequest.parse(input);
  const raw = (await redis.eval(REASSIGN, {
    keys: [],
    arguments: [
      listKeys.prefix(req.orgId, req.campaignId),
      String(now),
      String(req.holdMs),
      req.teamId ?? "",
      req.agentId ?? "",
      ...req.leadIds,
    ],
  })) as [string[], string[][]];
  return { moved: raw[0], notMoved: raw[1].map(([leadId, state]) => ({ leadId: leadId!, state: state! })) };
}

/** The lead.assigned events of an allocation (rule/manager) or a release back to the pool. */
export function assignmentEvents(
  orgId: string,
  campaignId: string,
  assignments: readonly (Assignment | { leadId: string; teamId?: string; agentId?: string })[],
  by: "rule" | "manager" | "pool_return" | "system",
): EventFields[] {
  return assignments.map((a) => ({
    kind: "lead.assigned",
    org_id: orgId,
    campaign_id: campaignId,
    lead_id: a.leadId,
    assigned_by: by,
    ...(a.teamId ? { team_id: a.teamId } : {}),
    ...(a.agentId ? { agent_id: a.agentId } : {}),
  }));
}

export interface AllocationOverview {
  /** Leads waiting in the pool's queues (due or not). */
  pool: { callbacks: number; fresh: number; recycled: number };
  teams: { teamId: string; waiting: number }[];
  agents: { agentId: string; waiting: number }[];
  taken: number;
}

/** Who holds how many of a campaign's waiting leads (the allocation page). */
export async function allocationOverview(
  redis: Redis,
  o: { orgId: string; campaignId: string },
): Promise<AllocationOverview> {
  const p = listKeys.prefix(o.orgId, o.campaignId);
  const owned = async (kind: "team" | "agent") => {
    const out: { id: string; waiting: number }[] = [];
    for await (const keys of redis.scanIterator({ MATCH: `${p}${kind}:*`, COUNT: 500 })) {
      for (const key of keys)
        out.push({ id: key.slice(`${p}${kind}:`.length), waiting: await redis.zCard(key) });
    }
    return out.filter((x) => x.waiting > 0).sort((a, b) => a.id.localeCompare(b.id));
  };
  const [callbacks, fresh, recycled, taken, teams, agents] = await Promise.all([
    redis.zCard(`${p}callbacks`),
    redis.zCard(`${p}fresh`),
    redis.zCard(`${p}recycled`),
    redis.zCard(`${p}taken`),
    owned("team"),
    owned("agent"),
  ]);
  return {
    pool: { callbacks, fresh, recycled },
    teams: teams.map((t) => ({ teamId: t.id, waiting: t.waiting })),
    agents: agents.map((a) => ({ agentId: a.id, waiting: a.waiting })),
    taken,
  };
}
