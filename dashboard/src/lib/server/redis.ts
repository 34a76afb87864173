import { createClient } from "redis";
import { config } from "./config.ts";
import { log } from "./log.ts";

export type Redis = ReturnType<typeof createClient>;

let client: Promise<Redis> | undefined;

/** One shared command connection per process. */
export function redis(): Promise<Redis> {
  client ??= (async () => {
    const c = createClient({ url: config().REDIS_URL }) as unknown as Redis;
    c.on("error", (err) => log.warn({ err }, "redis connection error"));
    await c.connect();
    return c;
  })();
  return client;
}

export async function closeRedis(): Promise<void> {
  if (!client) return;
  const c = await client;
  client = undefined;
  await c.quit();
}
