export const ROLES = ["agent", "supervisor", "manager", "director", "analyst", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** What the server knows about the signed-in person (never the password hash). */
export interface SessionUser {
  username: string;
  displayName: string;
  role: Role;
  org: string;
  department: string;
  /** The team the person belongs to (agents, supervisors). */
  team: string;
  /** Teams a supervisor looks after (besides `team`). */
  teams: string[];
  /** Link to the agent id used in events (agents only). */
  agentId: string;
  mustChangePassword: boolean;
}

export interface Team {
  id: string;
  org: string;
  name: string;
  department: string;
  campaigns: string[];
}

/** Areas of the app; each route belongs to one. */
export const AREA_ROLES = {
  console: ["agent"],
  wallboard: ["supervisor", "manager", "director", "admin"],
  reports: ["supervisor", "manager", "director", "analyst", "admin"],
  sql: ["analyst", "director", "admin"],
  /** Call recordings: agents their own calls, supervisors/managers their teams', directors all. */
  recordings: ["agent", "supervisor", "manager", "director", "admin"],
  /** Customers (公海/私海): agents their own and the pool, managers their department's, directors all. */
  customers: ["agent", "supervisor", "manager", "director", "admin"],
  /** DNC list and blacklist (and lead allocation): managers, directors, admins. */
  lists: ["manager", "director", "admin"],
  /** Sales pipeline, churn warnings, reports per level: agents their own, managers their teams, directors all. */
  sales: ["agent", "supervisor", "manager", "director", "admin"],
  /** Knowledge base and call scripts editor (话术库). */
  knowledge: ["manager", "director", "admin"],
  /** Lead lists: import wizard (and its trial dial) for the managers who buy and load lists. */
  leads: ["manager", "director", "admin"],
  admin: ["admin"],
} as const satisfies Record<string, readonly Role[]>;
export type Area = keyof typeof AREA_ROLES;
export const AREAS = Object.keys(AREA_ROLES) as Area[];

export function canAccess(role: Role, area: Area): boolean {
  return (AREA_ROLES[area] as readonly Role[]).includes(role);
}

/** Where a role lands after sign-in. */
export function homeFor(role: Role): string {
  switch (role) {
    case "agent":
      return "/console";
    case "analyst":
      return "/sql";
    case "admin":
      return "/admin";
    default:
      return "/wallboard";
  }
}

export class AuthError extends Error {
  readonly code: string;
  constructor(code: string, message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.name = "AuthError";
    this.code = code;
  }
}
