import { clickhouse } from "./clickhouse.ts";
import { nats } from "./nats.ts";
import { redis } from "./redis.ts";

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
  return { ok: r && c && n, redis: r, clickhouse: c, nats: n };
}
