import type { Redis } from "../redis.ts";

/**
 * Failed sign-ins counted per (username, client address) in a fixed window:
 *   cc:loginfail:<username>:<ip>  integer, expires at the end of the window
 * At `max` failures further attempts are refused until the key expires.
 */
export interface LoginLimit {
  max: number;
  windowS: number;
}

const key = (username: string, ip: string) => `cc:loginfail:${username.toLowerCase()}:${ip}`;

/** Seconds until the next attempt is allowed, or 0 when allowed now. */
export async function loginBlockedFor(redis: Redis, username: string, ip: string, lim: LoginLimit) {
  const k = key(username, ip);
  const n = Number((await redis.get(k)) ?? 0);
  if (n < lim.max) return 0;
  const ttl = await redis.ttl(k);
  return ttl > 0 ? ttl : lim.windowS;
}

export async function recordLoginFailure(redis: Redis, username: string, ip: string, lim: LoginLimit) {
  const k = key(username, ip);
  const [n] = (await redis.multi().incr(k).expire(k, lim.windowS, "NX").exec()) as unknown as [number];
  return n;
}

export async function clearLoginFailures(redis: Redis, username: string, ip: string): Promise<void> {
  await redis.del(key(username, ip));
}
