import type { Redis } from "../redis.ts";
import { AuthError } from "./types.ts";
import { createTeam, createUser } from "./users.ts";

/**
 * Agent accounts for `npm start`'s simulated floor, which signs in and dispositions through the
 * console like a person would (the stack names the accounts). Idempotent; returns how many were created.
 */
export async function ensureDemoAgents(
  redis: Redis,
  o: { org: string; agents: { username: string; agent_id: string }[]; password: string; team?: string },
): Promise<number> {
  const team = o.team ?? "team-1";
  await createTeam(redis, { id: team, org: o.org, name: "Simulated floor", campaigns: "" });
  let created = 0;
  for (const [i, a] of o.agents.entries()) {
    try {
      await createUser(redis, {
        username: a.username,
        displayName: `Simulated agent ${i + 1}`,
        role: "agent",
        org: o.org,
        team,
        agentId: a.agent_id,
        password: o.password,
        mustChangePassword: false,
      });
      created++;
    } catch (err) {
      if (!(err instanceof AuthError && err.code === "USER_EXISTS")) throw err;
    }
  }
  return created;
}
