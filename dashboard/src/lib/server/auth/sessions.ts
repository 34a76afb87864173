import { createHash, randomBytes } from "node:crypto";
import type { Redis } from "../redis.ts";

/**
 * Sessions are opaque random ids (256 bits). Redis stores only their SHA-256, so a copy
 * of the Redis data does not hand out live sessions:
 *   cc:session:<sha256(id) hex>  hash {username, created_at}, TTL = session lifetime (sliding)
 */
export const SESSION_COOKIE = "cc_session";

const key = (id: string) => `cc:session:${createHash("sha256").update(id).digest("hex")}`;

export async function createSession(redis: Redis, username: string, ttlS: number): Promise<string> {
  const id = randomBytes(32).toString("base64url");
  await redis
    .multi()
    .hSet(key(id), { username, created_at: String(Date.now()) })
    .expire(key(id), ttlS)
    .exec();
  return id;
}

/** Username of a live session (and refreshes its TTL), or null. */
export async function readSession(redis: Redis, id: string, ttlS: number): Promise<string | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(id)) return null;
  const username = await redis.hGet(key(id), "username");
  if (!username) return null;
  await redis.expire(key(id), ttlS);
  return username;
}

export async function destroySession(redis: Redis, id: string): Promise<void> {
  await redis.del(key(id));
}
