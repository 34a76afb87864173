import { createHash, randomBytes } from "node:crypto";
import type { Redis } from "../redis.ts";

/**
 * Sessions are opaque random ids (256 bits). Redis stores only their SHA-256, so a copy
 * of the Redis data does not hand out live sessions:
 *   cc:session:<sha256(id) hex>     hash {username, created_at}, TTL = session lifetime (sliding)
 *   cc:user-sessions:<username>     set of those hashes, so a password change can end them all
 */
export const SESSION_COOKIE = "cc_session";

const digest = (id: string) => createHash("sha256").update(id).digest("hex");
const key = (id: string) => `cc:session:${digest(id)}`;
const userSessionsKey = (username: string) => `cc:user-sessions:${username}`;

export async function createSession(redis: Redis, username: string, ttlS: number): Promise<string> {
  const id = randomBytes(32).toString("base64url");
  await redis
    .multi()
    .hSet(key(id), { username, created_at: String(Date.now()) })
    .expire(key(id), ttlS)
    .sAdd(userSessionsKey(username), digest(id))
    .expire(userSessionsKey(username), ttlS)
    .exec();
  return id;
}

/** Username of a live session (and refreshes its TTL), or null. */
export async function readSession(redis: Redis, id: string, ttlS: number): Promise<string | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(id)) return null;
  const username = await redis.hGet(key(id), "username");
  if (!username) return null;
  await redis.multi().expire(key(id), ttlS).expire(userSessionsKey(username), ttlS).exec();
  return username;
}

export async function destroySession(redis: Redis, id: string): Promise<void> {
  const username = await redis.hGet(key(id), "username");
  const tx = redis.multi().del(key(id));
  if (username) tx.sRem(userSessionsKey(username), digest(id));
  await tx.exec();
}

/**
 * Ends every session of `username` except `keepId` (the one changing its own password stays
 * signed in). Returns how many were ended.
 */
export async function revokeUserSessions(
  redis: Redis,
  username: string,
  keepId?: string | null,
): Promise<number> {
  const keep = keepId ? digest(keepId) : null;
  const hashes = (await redis.sMembers(userSessionsKey(username))).filter((h) => h !== keep);
  if (hashes.length === 0) return 0;
  const [deleted] = await redis
    .multi()
    .del(hashes.map((h) => `cc:session:${h}`))
    .sRem(userSessionsKey(username), hashes)
    .exec();
  return Number(deleted);
}
