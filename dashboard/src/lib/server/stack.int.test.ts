// The dashboard reads what npm start's supervisor writes: a real Supervisor (fake services) and
// its Redis publisher on one side, readStackHealth and the /health detail's source on the other.
import {
  type Incarnation,
  type RedisServer,
  STACK_SERVICES_KEY,
  Supervisor,
  startRedis,
  startStackStatus,
} from "@cc/infra";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Redis } from "./redis.ts";
import { readStackHealth } from "./stack.ts";

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

/** A service whose process can be "killed" (its exit resolves) and started again. */
function fakeService() {
  let kill: () => void = () => undefined;
  let pid = 100;
  const start = async (): Promise<Incarnation> => {
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
      kill = () => resolve({ code: null, signal: "SIGKILL" });
    });
    return { pid: pid++, exited, stop: async () => kill() };
  };
  return { start, kill: () => kill() };
}

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  for (let i = 0; ; i++) {
    const v = await read();
    if (ok(v) || i > 200) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("stack health from the supervisor", () => {
  it("is null when no supervisor writes it", async () => {
    await redis.del(STACK_SERVICES_KEY);
    expect(await readStackHealth(redis)).toBeNull();
  });

  it("shows every service running, then a crash-looping one, then stale", async () => {
    const publisher = await startStackStatus(server.url, quiet);
    const sup = new Supervisor({
      log: quiet,
      initialDelayMs: 20,
      maxDelayMs: 20,
      onChange: (all) => publisher.publish(all),
    });
    try {
      const sink = fakeService();
      const intake = fakeService();
      await sup.add("sink", sink.start);
      await sup.add("intake", intake.start);
      const up = await until(
        () => readStackHealth(redis),
        (h) => h?.services.length === 2,
      );
      expect(up).toMatchObject({ ok: true, stale: false });
      expect(up?.services.map((s) => [s.name, s.state])).toEqual([
        ["sink", "running"],
        ["intake", "running"],
      ]);

      for (let i = 1; i <= 3; i++) {
        sink.kill();
        await until(
          async () => sup.statuses()[0],
          (s) => s?.state === "running" && s.restarts === i,
        );
      }
      const looping = await until(
        () => readStackHealth(redis),
        (h) => h?.services[0]?.crash_looping === true,
      );
      expect(looping?.ok).toBe(false);
      expect(looping?.services[0]).toMatchObject({
        name: "sink",
        restarts: 3,
        last_exit: { signal: "SIGKILL" },
      });
      expect(looping?.services[1]).toMatchObject({ name: "intake", restarts: 0, crash_looping: false });

      // A picture the supervisor stopped refreshing is reported as stale, not as healthy.
      const later = await readStackHealth(redis, Date.now() + 60_000);
      expect(later).toMatchObject({ ok: false, stale: true });
    } finally {
      await publisher.close();
      await sup.stopAll();
    }
    expect(await redis.exists(STACK_SERVICES_KEY)).toBe(0);
  });

  it("ignores fields that are not valid statuses", async () => {
    await redis.hSet(STACK_SERVICES_KEY, {
      _stack: JSON.stringify({ pid: 1, updated_at: Date.now() }),
      sink: "not json",
      intake: JSON.stringify({ name: "intake", state: "exploded" }),
    });
    expect(await readStackHealth(redis)).toMatchObject({ ok: true, services: [] });
    await redis.del(STACK_SERVICES_KEY);
  });
});
