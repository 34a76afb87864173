import { requireArea } from "#lib/server/auth/guard.ts";
import { isApprover } from "#lib/server/customers-actor.ts";
import type { LayoutServerLoad } from "./$types";

/** What the customers area's tabs offer this person (each page checks again on the server). */
export const load = (({ locals }) => {
  const user = requireArea(locals, "customers");
  return {
    role: user.role,
    isRep: user.agentId !== "",
    approver: isApprover(user),
    canReassign: isApprover(user) || user.role === "supervisor",
    canConfigure: user.role === "director" || user.role === "admin",
  };
}) satisfies LayoutServerLoad;
