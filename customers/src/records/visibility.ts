// Who may see and act on a customer: agents their own (owner or second owner) and the public
// pool, managers and supervisors their teams' groups, directors, admins and analysts all.
import type { Actor, Customer } from "./types.ts";
import { repOf } from "./types.ts";

export function seesAll(actor: Actor): boolean {
  return actor.role === "director" || actor.role === "admin" || actor.role === "analyst";
}

export function managesTeams(actor: Actor): boolean {
  return actor.role === "manager" || actor.role === "supervisor";
}

/** Full record visible (the pool is open to every rep of the org: they claim from it). */
export function canSee(
  actor: Actor,
  c: Pick<Customer, "orgId" | "ownerId" | "secondOwnerId" | "groupId">,
): boolean {
  if (actor.orgId !== c.orgId) return false;
  if (seesAll(actor)) return true;
  if (c.ownerId === undefined) return true;
  const me = repOf(actor);
  if (c.ownerId === me || c.secondOwnerId === me) return true;
  return managesTeams(actor) && c.groupId !== undefined && actor.teamIds.includes(c.groupId);
}

/** Manage (release for a rep, reassign, approve ≤ 5 days): the group's managers and directors. */
export function canManage(actor: Actor, c: Pick<Customer, "orgId" | "groupId">): boolean {
  if (actor.orgId !== c.orgId) return false;
  if (actor.role === "director" || actor.role === "admin") return true;
  return managesTeams(actor) && c.groupId !== undefined && actor.teamIds.includes(c.groupId);
}
