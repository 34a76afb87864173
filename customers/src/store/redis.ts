import { createHash } from "node:crypto";
import type { createClient } from "redis";

export type Redis = ReturnType<typeof createClient>;

const shas = new Map<string, string>();

function sha1(s: string): string {
  let h = shas.get(s);
  if (!h) {
    h = createHash("sha1").update(s).digest("hex");
    shas.set(s, h);
  }
  return h;
}

/** EVALSHA, loading the script once when the server does not know it yet (or restarted). */
export async function runScript(redis: Redis, script: string, args: string[]): Promise<string[]> {
  try {
    return (await redis.evalSha(sha1(script), { keys: [], arguments: args })) as string[];
  } catch (err) {
    if (!String((err as Error).message).includes("NOSCRIPT")) throw err;
    return (await redis.eval(script, { keys: [], arguments: args })) as string[];
  }
}
