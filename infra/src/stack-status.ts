// The supervisor's view of the stack in Redis, for the dashboard (wallboard health strip and
// /health): hash `cc:stack:services`, one field per service holding its status as JSON, plus
// `_stack` ({ pid, updated_at, order: names in start order }). Rewritten on every change and every 5 s; it expires 30 s after
// the last write, so a stack that is gone leaves no stale picture behind.
import { createClient } from "redis";
import type { ServiceStatus } from "./supervisor.ts";

export const STACK_SERVICES_KEY = "cc:stack:services";
const HEARTBEAT_MS = 5_000;
const TTL_S = 30;

export interface StackStatusPublisher {
  publish(statuses: ServiceStatus[]): void;
  close(): Promise<void>;
}

export async function startStackStatus(
  redisUrl: string,
  log: { warn(obj: object, msg: string): void },
): Promise<StackStatusPublisher> {
  const redis = createClient({ url: redisUrl });
  let warned = false;
  // redis-server is supervised too: while it restarts the client reconnects on its own.
  redis.on("error", (err: Error) => {
    if (!warned) log.warn({ err: err.message }, "stack status: redis unavailable");
    warned = true;
  });
  await redis.connect();
  let latest: ServiceStatus[] = [];
  let writing = false;
  let again = false;
  let closed = false;
  const write = async () => {
    if (writing) {
      again = true;
      return;
    }
    writing = true;
    try {
      do {
        again = false;
        if (closed || !redis.isReady) break;
        const fields: Record<string, string> = {
          _stack: JSON.stringify({
            pid: process.pid,
            updated_at: Date.now(),
            order: latest.map((s) => s.name),
          }),
        };
        for (const s of latest) fields[s.name] = JSON.stringify(s);
        await redis
          .multi()
          .del(STACK_SERVICES_KEY)
          .hSet(STACK_SERVICES_KEY, fields)
          .expire(STACK_SERVICES_KEY, TTL_S)
          .exec();
      } while (again);
    } catch (err) {
      if (!warned) log.warn({ err: (err as Error).message }, "stack status: write failed");
    } finally {
      writing = false;
    }
  };
  // Rewrite as soon as Redis is back (a restarted redis-server replays an old picture from its AOF).
  redis.on("ready", () => {
    warned = false;
    void write();
  });
  const heartbeat = setInterval(() => void write(), HEARTBEAT_MS);
  heartbeat.unref();
  return {
    publish: (statuses) => {
      latest = statuses;
      void write();
    },
    close: async () => {
      closed = true;
      clearInterval(heartbeat);
      // Commands wait for a reconnect while Redis is down: only try when it is up, briefly.
      if (redis.isReady) {
        await Promise.race([
          redis.del(STACK_SERVICES_KEY).catch(() => undefined),
          new Promise((r) => setTimeout(r, 1_000)),
        ]);
      }
      redis.destroy();
    },
  };
}
