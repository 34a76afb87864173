import { type RedisServer, startRedis } from "@cc/infra";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Redis } from "../redis.ts";
import { clearLoginFailures, loginBlockedFor, recordLoginFailure } from "./rate-limit.ts";
import { scopeFor } from "./scope.ts";
import { createSession, destroySession, readSession, revokeUserSessions } from "./sessions.ts";
import { checkCredentials, createTeam, createUser, ensureAdmin, getUser, setPassword } from "./users.ts";

let server: RedisServer;
let redis: Redis;

beforeAll(async () => {
  server = await startRedis();
  redis = createClient({ url: server.url });
  await redis.connect();
});
afterAll(async () => {
  await redis?.quit();
  await server?.stop();
});

describe("users in Redis", () => {
  it("creates the admin once with a one-time password that must be changed", async () => {
    const pw = await ensureAdmin(redis, "acme");
    expect(pw).toMatch(/^[A-Za-z0-9_-]{20}$/);
    expect(await ensureAdmin(redis, "acme")).toBeNull();
    const admin = await checkCredentials(redis, "admin", pw!);
    expect(admin).toMatchObject({ role: "admin", mustChangePassword: true, org: "acme" });
    expect(JSON.stringify(admin)).not.toContain("scrypt");
    await setPassword(redis, "admin", "a-new-long-password");
    expect(await checkCredentials(redis, "admin", pw!)).toBeNull();
    expect(await checkCredentials(redis, "admin", "a-new-long-password")).toMatchObject({
      mustChangePassword: false,
    });
  });

  it("stores only a scrypt hash and refuses duplicates and bad input with field messages", async () => {
    await createUser(redis, {
      username: "li.lei",
      role: "agent",
      org: "acme",
      agentId: "a1",
      team: "t1",
      password: "agent-password-1",
    });
    const raw = await redis.hGetAll("cc:user:li.lei");
    expect(raw.password_hash).toMatch(/^scrypt\$/);
    expect(Object.values(raw).join()).not.toContain("agent-password-1");
    await expect(
      createUser(redis, {
        username: "li.lei",
        role: "agent",
        org: "acme",
        agentId: "a9",
        password: "another-password",
      }),
    ).rejects.toMatchObject({ code: "USER_EXISTS" });
    await expect(
      createUser(redis, { username: "x", role: "agent", org: "acme", password: "short" }),
    ).rejects.toThrow(/at least 10/);
    await expect(
      createUser(redis, {
        username: "no.agent",
        role: "agent",
        org: "acme",
        password: "long-enough-password",
      }),
    ).rejects.toMatchObject({ code: "AGENT_ID_REQUIRED" });
    expect(await checkCredentials(redis, "nobody", "whatever-password")).toBeNull();
  });

  it("scopeFor resolves a supervisor's teams into agents and campaigns from Redis", async () => {
    await createTeam(redis, {
      id: "t1",
      org: "acme",
      name: "一组",
      department: "sales",
      campaigns: "spring, summer",
    });
    await createTeam(redis, { id: "t2", org: "acme", name: "二组", department: "care", campaigns: "care" });
    await createUser(redis, {
      username: "han.mei",
      role: "agent",
      org: "acme",
      agentId: "a2",
      team: "t2",
      password: "agent-password-2",
    });
    await createUser(redis, {
      username: "sup",
      role: "supervisor",
      org: "acme",
      team: "t1",
      password: "supervisor-pw-1",
    });
    const sup = (await getUser(redis, "sup"))!;
    expect(await scopeFor(redis, sup)).toEqual({
      orgId: "acme",
      agentIds: ["a1"],
      teamIds: ["t1"],
      campaignIds: ["spring", "summer"],
    });
  });
});

describe("sessions", () => {
  it("are opaque ids whose hash is stored with a TTL, and end on logout", async () => {
    const id = await createSession(redis, "li.lei", 60);
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await redis.exists(`cc:session:${id}`)).toBe(0);
    const keys = await redis.keys("cc:session:*");
    expect(keys).toHaveLength(1);
    expect(await redis.sMembers("cc:user-sessions:li.lei")).toEqual([keys[0]!.slice("cc:session:".length)]);
    const ttl = await redis.ttl(keys[0]!);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
    expect(await readSession(redis, id, 60)).toBe("li.lei");
    // A forged id one character off the real one (never equal to it).
    const forged = `${id.slice(0, -1)}${id.endsWith("A") ? "B" : "A"}`;
    expect(await readSession(redis, forged, 60)).toBeNull();
    expect(await readSession(redis, "../../etc", 60)).toBeNull();
    await destroySession(redis, id);
    expect(await readSession(redis, id, 60)).toBeNull();
  });

  it("a password change ends the user's other sessions and keeps the current one", async () => {
    const current = await createSession(redis, "han.mei", 60);
    const laptop = await createSession(redis, "han.mei", 60);
    const phone = await createSession(redis, "han.mei", 60);
    const other = await createSession(redis, "li.lei", 60);
    await destroySession(redis, phone); // logged out already: not counted again
    expect(await revokeUserSessions(redis, "han.mei", current)).toBe(1);
    expect(await readSession(redis, current, 60)).toBe("han.mei");
    expect(await readSession(redis, laptop, 60)).toBeNull();
    expect(await readSession(redis, other, 60)).toBe("li.lei");
    // An admin's reset keeps none.
    expect(await revokeUserSessions(redis, "han.mei")).toBe(1);
    expect(await readSession(redis, current, 60)).toBeNull();
    expect(await revokeUserSessions(redis, "han.mei")).toBe(0);
  });

  it("expire in Redis", async () => {
    const id = await createSession(redis, "li.lei", 1);
    await new Promise((r) => setTimeout(r, 2100));
    expect(await readSession(redis, id, 1)).toBeNull();
  });
});

describe("login rate limit", () => {
  const lim = { max: 5, windowS: 900 };
  it("blocks a user+address after 5 failures with the time left, other addresses unaffected", async () => {
    for (let i = 0; i < 4; i++) await recordLoginFailure(redis, "li.lei", "10.0.0.1", lim);
    expect(await loginBlockedFor(redis, "li.lei", "10.0.0.1", lim)).toBe(0);
    expect(await recordLoginFailure(redis, "li.lei", "10.0.0.1", lim)).toBe(5);
    const wait = await loginBlockedFor(redis, "li.lei", "10.0.0.1", lim);
    expect(wait).toBeGreaterThan(890);
    expect(wait).toBeLessThanOrEqual(900);
    expect(await loginBlockedFor(redis, "li.lei", "10.0.0.2", lim)).toBe(0);
    expect(await loginBlockedFor(redis, "han.mei", "10.0.0.1", lim)).toBe(0);
    await clearLoginFailures(redis, "li.lei", "10.0.0.1");
    expect(await loginBlockedFor(redis, "li.lei", "10.0.0.1", lim)).toBe(0);
  });
});
