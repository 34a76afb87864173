import type { Actor } from "@cc/customers";
import { type MessageKey, type Translate, translator } from "#lib/i18n.ts";
import { requireArea } from "./auth/guard.ts";
import type { SessionUser } from "./auth/types.ts";
import { listTeams, listUsers } from "./auth/users.ts";
import { customers } from "./customers.ts";
import { type Redis, redis } from "./redis.ts";

/**
 * The customers workspace decides visibility from an Actor: an agent's own team, a supervisor's
 * teams, every team of a manager's department, every team for directors and admins (the domain
 * lets them see everything regardless). Built from the same directory scope.ts reads.
 */
export async function actorFor(redis: Redis, user: SessionUser): Promise<Actor> {
  const teams = new Set<string>();
  if (user.role === "agent") {
    if (user.team) teams.add(user.team);
  } else if (user.role === "supervisor") {
    if (user.team) teams.add(user.team);
    for (const t of user.teams) teams.add(t);
  } else {
    for (const t of await listTeams(redis, user.org)) {
      if (user.role !== "manager" || (user.department && t.department === user.department)) teams.add(t.id);
    }
  }
  return {
    userId: user.username,
    role: user.role,
    teamIds: [...teams].sort(),
    orgId: user.org,
    ...(user.agentId ? { agentId: user.agentId } : {}),
  };
}

/** A rep the viewer may pick (reassignment target, second owner) and how to label them. */
export interface Rep {
  id: string;
  name: string;
  team: string;
}

/** Reps (agent-linked users) of the org on the given teams; all teams when `teamIds` is undefined. */
export async function repsOn(redis: Redis, org: string, teamIds?: string[]): Promise<Rep[]> {
  const users = await listUsers(redis);
  return users
    .filter((u) => u.org === org && u.agentId && (teamIds === undefined || teamIds.includes(u.team)))
    .map((u) => ({ id: u.agentId, name: u.displayName || u.username, team: u.team }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

/**
 * Display names by rep (agent) id and by username (a refusal names the holder; the history names
 * who acted, reps by agent id, managers and directors by username).
 */
export async function repNames(redis: Redis, org: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const u of await listUsers(redis)) {
    if (u.org !== org) continue;
    out[u.username] = u.displayName || u.username;
    if (u.agentId) out[u.agentId] = u.displayName || u.username;
  }
  return out;
}

export function isApprover(user: SessionUser): boolean {
  return user.role === "manager" || user.role === "director" || user.role === "admin";
}

/** The refusal shapes the domain answers with, in the viewer's language. */
export type RefusalLike = { reason: string } & Record<string, unknown>;

export function refusalText(t: Translate, r: RefusalLike, names: Record<string, string> = {}): string {
  const who = (id: unknown) => (typeof id === "string" ? (names[id] ? `${names[id]} (${id})` : id) : "?");
  const list = (v: unknown) => (Array.isArray(v) ? v.join(", ") : String(v ?? ""));
  const key = `cust.err.${r.reason}` as MessageKey;
  switch (r.reason) {
    case "held_by_other":
      return t(key, { holder: who(r.heldBy) });
    case "quota_full":
      return t(key, { quota: Number(r.quota ?? 0) });
    case "required_missing":
      return t(key, { fields: list(r.fields) });
    case "duplicate":
      return t(key, {
        detail: r.heldBy ? `${String(r.customerId)} · ${who(r.heldBy)}` : String(r.customerId),
      });
    case "invalid":
      return t(key, {
        detail: Array.isArray(r.issues)
          ? (r.issues as { path: string; message: string }[]).map((i) => `${i.path}: ${i.message}`).join("; ")
          : "",
      });
    case "extension_used_this_month":
      return t(key, { month: String(r.month ?? "") });
    case "needs_director":
      return t(key, { days: Number(r.days ?? 0) });
    case "other_group":
      return t(key, { group: String(r.groupId ?? "") });
    case "unknown_disposition":
      return t(key, { key: String(r.key ?? "") });
    case "not_found":
    case "forbidden":
    case "already_held":
    case "not_held":
    case "extension_pending":
    case "already_decided":
    case "deal_signed":
      return t(key);
    default:
      return t("cust.err.invalid", { detail: r.reason });
  }
}

/** What every customers page and endpoint starts from: the signed-in person as the domain's Actor. */
export async function customersContext(locals: App.Locals) {
  const user = requireArea(locals, "customers");
  const r = await redis();
  const [actor, store, names] = await Promise.all([actorFor(r, user), customers(), repNames(r, user.org)]);
  return { user, actor, store, names, redis: r, t: translator(locals.lang) };
}
