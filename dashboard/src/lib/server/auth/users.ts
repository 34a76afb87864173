import { z } from "zod";
import type { Redis } from "../redis.ts";
import { generatePassword, hashPassword, verifyPassword } from "./passwords.ts";
import { AuthError, ROLES, type Role, type SessionUser, type Team } from "./types.ts";

/**
 * Redis layout (people):
 *   cc:user:<username>          hash  username, display_name, role, org, department, team, teams (csv),
 *                                     agent_id, password_hash, must_change (0|1), created_at
 *   cc:users                    set   all usernames
 *   cc:agent-user:<org>:<agent> string username linked to an agent id
 *   cc:team:<org>:<team>        hash  id, name, department, campaigns (csv)
 *   cc:teams:<org>              set   team ids
 */
const userKey = (u: string) => `cc:user:${u}`;
const USERS = "cc:users";
const teamKey = (org: string, id: string) => `cc:team:${org}:${id}`;
const teamsKey = (org: string) => `cc:teams:${org}`;
const agentUserKey = (org: string, agent: string) => `cc:agent-user:${org}:${agent}`;

const Id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "letters, digits, '_' or '-' (1–64)");
const OptId = z.union([Id, z.literal("")]).default("");
const csvIds = z
  .string()
  .default("")
  .transform((s) =>
    s
      .split(/[,，\s]+/)
      .map((x) => x.trim())
      .filter(Boolean),
  )
  .pipe(z.array(Id).max(200));

export const NewUserInput = z.object({
  username: z.string().regex(/^[a-z0-9_.-]{2,64}$/, "2–64 lowercase letters, digits, '.', '_' or '-'"),
  displayName: z.string().trim().max(100).default(""),
  role: z.enum(ROLES),
  org: Id,
  department: OptId,
  team: OptId,
  teams: csvIds,
  agentId: OptId,
  password: z.string().min(10, "at least 10 characters").max(200),
  mustChangePassword: z.boolean().default(true),
});
export type NewUserInput = z.input<typeof NewUserInput>;

export const NewTeamInput = z.object({
  id: Id,
  org: Id,
  name: z.string().trim().min(1).max(100),
  department: OptId,
  campaigns: csvIds,
});
export type NewTeamInput = z.input<typeof NewTeamInput>;

interface StoredUser extends SessionUser {
  passwordHash: string;
}

function fromHash(h: Record<string, string>): StoredUser | null {
  if (!h.username || !h.role || !h.password_hash) return null;
  const role = (ROLES as readonly string[]).includes(h.role) ? (h.role as Role) : null;
  if (!role) return null;
  return {
    username: h.username,
    displayName: h.display_name ?? h.username,
    role,
    org: h.org ?? "",
    department: h.department ?? "",
    team: h.team ?? "",
    teams: (h.teams ?? "").split(",").filter(Boolean),
    agentId: h.agent_id ?? "",
    mustChangePassword: h.must_change === "1",
    passwordHash: h.password_hash,
  };
}

function publicUser(u: StoredUser): SessionUser {
  const { passwordHash: _, ...rest } = u;
  return rest;
}

export async function getUser(redis: Redis, username: string): Promise<SessionUser | null> {
  const u = fromHash(await redis.hGetAll(userKey(username)));
  return u ? publicUser(u) : null;
}

export async function createUser(redis: Redis, input: NewUserInput): Promise<SessionUser> {
  const v = NewUserInput.parse(input);
  if (v.role === "agent" && !v.agentId) {
    throw new AuthError("AGENT_ID_REQUIRED", "an agent needs an agent id");
  }
  const hash = await hashPassword(v.password);
  const created = await redis.hSetNX(userKey(v.username), "username", v.username);
  if (!created) throw new AuthError("USER_EXISTS", `user ${v.username} already exists`);
  await redis
    .multi()
    .hSet(userKey(v.username), {
      display_name: v.displayName || v.username,
      role: v.role,
      org: v.org,
      department: v.department,
      team: v.team,
      teams: v.teams.join(","),
      agent_id: v.agentId,
      password_hash: hash,
      must_change: v.mustChangePassword ? "1" : "0",
      created_at: new Date().toISOString(),
    })
    .sAdd(USERS, v.username)
    .exec();
  if (v.agentId) await redis.set(agentUserKey(v.org, v.agentId), v.username);
  return (await getUser(redis, v.username))!;
}

export async function listUsers(redis: Redis): Promise<SessionUser[]> {
  const names = (await redis.sMembers(USERS)).sort();
  const out: SessionUser[] = [];
  for (const n of names) {
    const u = await getUser(redis, n);
    if (u) out.push(u);
  }
  return out;
}

/** Checks a password; returns the user on success, null on any mismatch (no user enumeration). */
export async function checkCredentials(
  redis: Redis,
  username: string,
  password: string,
): Promise<SessionUser | null> {
  const u = fromHash(await redis.hGetAll(userKey(username)));
  if (!u) {
    // Spend the same work as a real check so timing does not reveal which usernames exist.
    await verifyPassword(password, await dummyHash());
    return null;
  }
  return (await verifyPassword(password, u.passwordHash)) ? publicUser(u) : null;
}
let dummy: Promise<string> | undefined;
function dummyHash(): Promise<string> {
  dummy ??= hashPassword("not-a-real-password");
  return dummy;
}

/** `mustChange`: an admin's reset hands out a temporary password the user must replace. */
export async function setPassword(
  redis: Redis,
  username: string,
  password: string,
  o: { mustChange?: boolean } = {},
): Promise<void> {
  if (password.length < 10) throw new AuthError("PASSWORD_TOO_SHORT", "at least 10 characters");
  await redis.hSet(userKey(username), {
    password_hash: await hashPassword(password),
    must_change: o.mustChange ? "1" : "0",
  });
}

/** First start: creates `admin` with a one-time password (returned so the caller can log it once). */
export async function ensureAdmin(redis: Redis, org: string): Promise<string | null> {
  if (await redis.exists(userKey("admin"))) return null;
  const password = generatePassword();
  try {
    await createUser(redis, {
      username: "admin",
      displayName: "Administrator",
      role: "admin",
      org,
      password,
      mustChangePassword: true,
    });
  } catch (err) {
    if (err instanceof AuthError && err.code === "USER_EXISTS") return null; // another process won
    throw err;
  }
  return password;
}

export async function createTeam(redis: Redis, input: NewTeamInput): Promise<Team> {
  const t = NewTeamInput.parse(input);
  await redis
    .multi()
    .hSet(teamKey(t.org, t.id), {
      id: t.id,
      name: t.name,
      department: t.department,
      campaigns: t.campaigns.join(","),
    })
    .sAdd(teamsKey(t.org), t.id)
    .exec();
  return { ...t };
}

export async function listTeams(redis: Redis, org: string): Promise<Team[]> {
  const ids = (await redis.sMembers(teamsKey(org))).sort();
  const out: Team[] = [];
  for (const id of ids) {
    const h = await redis.hGetAll(teamKey(org, id));
    if (!h.id) continue;
    out.push({
      id: h.id,
      org,
      name: h.name ?? h.id,
      department: h.department ?? "",
      campaigns: (h.campaigns ?? "").split(",").filter(Boolean),
    });
  }
  return out;
}
