import { clickhouse } from "./clickhouse.ts";
import { nats } from "./nats.ts";
import { redis } from "./redis.ts";
import { readStackHealth, type StackHealth } from "./stack.ts";

async function probe(fn: () => Promise<unknown>, timeoutMs = 1500): Promise<boolean> {
  try {
    await Promise.race([
      fn(),
      new Promise((_, rej) => setTimeout(() => rej(new Error("timeout")), timeoutMs)),
    ]);
    return true;
  } catch {
    return false;
  }
}

export async function checkHealth() {
  const [r, c, n] = await Promise.all([
    probe(async () => (await redis()).ping()),
    probe(async () => {
      const res = await clickhouse().ping();
      if (!res.success) throw new Error("clickhouse ping failed");
    }),
    probe(async () => {
      const nc = await nats();
      if (nc.isClosed()) throw new Error("nats closed");
      await nc.flush();
    }),
  ]);
  // The supervisor's view of the other processes: detail only, the status code stays this
  // process's own (the supervisor restarts the dashboard on it).
  const stack = r ? await readStackHealth(await redis()).catch(() => null) : null;
  return {
    ok: r && c && n,
    redis: r,
    clickhouse: c,
    nats: n,
    ...(stack ? { stack: stackDetail(stack) } : {}),
  };
}

function stackDetail(h: StackHealth) {
  return {
    ok: h.ok,
    stale: h.stale,
    updated_at: new Date(h.updatedAt).toISOString(),
    services: h.services.map((s) => ({
      name: s.name,
      state: s.state,
      restarts: s.restarts,
      crash_looping: s.crash_looping,
      since: new Date(s.since).toISOString(),
      ...(s.last_exit
        ? {
            last_exit: {
              code: s.last_exit.code,
              signal: s.last_exit.signal,
              at: new Date(s.last_exit.at).toISOString(),
            },
          }
        : {}),
    })),
  };
}
