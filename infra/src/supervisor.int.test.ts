// Supervision with real processes, as `npm start` wires it: nats-server, redis-server and the
// embedded ClickHouse host, the sink and the intake. kill -9 of the sink: it comes back on its
// port and is healthy again while the intake stayed up; kill -9 of redis-server: it comes back on
// the same port and data dir and the supervisor's status hash reappears; stopAll ends them all.
import { rm } from "node:fs/promises";
import path from "node:path";
import { createClickHouse, migrate } from "@cc/analytics";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serviceStarter } from "./launch-service.ts";
import { startClickHouseHost } from "./launchers/clickhouse.ts";
import { startNats } from "./launchers/nats.ts";
import { freePort, tempDir } from "./launchers/process.ts";
import { startRedis } from "./launchers/redis.ts";
import type { ServiceSpec } from "./services.ts";
import { STACK_SERVICES_KEY, type StackStatusPublisher, startStackStatus } from "./stack-status.ts";
import { incarnationOf, type ServiceStatus, Supervisor } from "./supervisor.ts";

const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
async function until<T>(probe: () => Promise<T | undefined>, what: string, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const healthy = async (port: number) => (await fetch(`http://127.0.0.1:${port}/health`)).ok;

let status: StackStatusPublisher | undefined;
const sup = new Supervisor({ log, initialDelayMs: 500, onChange: (all) => status?.publish(all) });
const ports = { nats: 0, natsMonitor: 0, redis: 0, clickhouse: 0, sink: 0, intake: 0 };
let reader: ReturnType<typeof createClient> | undefined;
let dataDir = "";
let writer = { username: "", password: "" };
const byName = (name: string) => sup.statuses().find((s) => s.name === name) as ServiceStatus;

beforeAll(async () => {
  for (const k of Object.keys(ports) as (keyof typeof ports)[]) ports[k] = await freePort();
  dataDir = await tempDir("supervised");
  const natsOpts = { port: ports.nats, monitorPort: ports.natsMonitor, dataDir: path.join(dataDir, "nats") };
  await sup.add("nats-server", async () => {
    const n = await startNats(natsOpts);
    return incarnationOf(n.process, n.stop);
  });
  const redisOpts = { port: ports.redis, dataDir: path.join(dataDir, "redis") };
  await sup.add("redis-server", async () => {
    const r = await startRedis(redisOpts);
    return incarnationOf(r.process, r.stop);
  });
  const chOpts = { port: ports.clickhouse, dataDir: path.join(dataDir, "clickhouse") };
  await sup.add("clickhouse-host", async () => {
    const h = await startClickHouseHost(chOpts);
    writer = h.writer;
    return incarnationOf(h.process, h.stop);
  });
  const ch = createClickHouse({ url: `http://127.0.0.1:${ports.clickhouse}`, ...writer });
  await migrate(ch).finally(() => ch.close());
  status = await startStackStatus(`redis://127.0.0.1:${ports.redis}`, log);
  const common = {
    ...process.env,
    NATS_URL: `nats://127.0.0.1:${ports.nats}`,
    CLICKHOUSE_URL: `http://127.0.0.1:${ports.clickhouse}`,
    CLICKHOUSE_USER: writer.username,
    CLICKHOUSE_PASSWORD: writer.password,
    LOG_LEVEL: "warn",
  };
  const specs: ServiceSpec[] = [
    {
      name: "sink",
      entry: "ingest/src/sink/main.ts",
      port: ports.sink,
      portEnv: "SINK_HTTP_PORT",
      env: { SINK_HTTP_PORT: String(ports.sink) },
    },
    {
      name: "intake",
      entry: "ingest/src/intake/main.ts",
      port: ports.intake,
      portEnv: "INTAKE_PORT",
      env: {
        INTAKE_PORT: String(ports.intake),
        INTAKE_API_KEYS: JSON.stringify([{ key: "intake-test-key-0123456789", org_id: "acme", name: "t" }]),
      },
    },
  ];
  for (const spec of specs) await sup.add(spec.name, serviceStarter(spec, common));
  reader = createClient({ url: `redis://127.0.0.1:${ports.redis}` });
  reader.on("error", () => undefined);
  await reader.connect();
}, 180_000);

afterAll(async () => {
  await status?.close();
  reader?.destroy();
  await sup.stopAll();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const published = async (name: string) => {
  const raw = await reader?.hGet(STACK_SERVICES_KEY, name);
  return raw ? (JSON.parse(raw) as ServiceStatus) : undefined;
};

describe("supervised stack", () => {
  it("restarts a kill -9'd sink on its port while the intake stays up, and says so in Redis", async () => {
    const sink = byName("sink");
    const intake = byName("intake");
    expect(sink.state).toBe("running");
    expect((await published("sink"))?.pid).toBe(sink.pid);

    process.kill(sink.pid as number, "SIGKILL");
    await until(async () => (byName("sink").state === "backoff" ? true : undefined), "sink in backoff");
    expect(byName("sink").last_exit).toMatchObject({ code: null, signal: "SIGKILL" });
    expect(await healthy(ports.intake)).toBe(true);

    const back = await until(async () => {
      const s = byName("sink");
      return s.state === "running" && s.pid !== sink.pid && (await healthy(ports.sink)) ? s : undefined;
    }, "sink running and healthy again");
    expect(back.restarts).toBe(1);
    expect(alive(sink.pid as number)).toBe(false);
    expect(byName("intake")).toMatchObject({ state: "running", pid: intake.pid, restarts: 0 });
    expect(await healthy(ports.intake)).toBe(true);
    await until(
      async () => ((await published("sink"))?.restarts === 1 ? true : undefined),
      "status in Redis",
    );
  }, 120_000);

  it("restarts a kill -9'd redis-server on the same port; the status hash comes back", async () => {
    const redis = byName("redis-server");
    process.kill(redis.pid as number, "SIGKILL");
    const back = await until(async () => {
      const s = byName("redis-server");
      return s.state === "running" && s.pid !== redis.pid ? s : undefined;
    }, "redis-server running again");
    expect(back.restarts).toBe(1);
    // Within the heartbeat (5 s), though the restarted Redis first replays the old hash from its AOF.
    const seen = await until(async () => {
      const s = await published("redis-server");
      return s?.restarts === 1 ? s : undefined;
    }, "status hash rewritten");
    expect(seen).toMatchObject({ state: "running", pid: back.pid });
    expect(byName("nats-server").restarts).toBe(0);
  }, 120_000);

  it("restarts a kill -9'd ClickHouse host on its port and data dir; the tables are still there", async () => {
    const host = byName("clickhouse-host");
    process.kill(host.pid as number, "SIGKILL");
    const back = await until(async () => {
      const s = byName("clickhouse-host");
      return s.state === "running" && s.pid !== host.pid ? s : undefined;
    }, "clickhouse-host running again");
    expect(back.restarts).toBe(1);
    const ch = createClickHouse({ url: `http://127.0.0.1:${ports.clickhouse}`, ...writer });
    try {
      const rows = await ch.query({ query: "SELECT count() AS n FROM events", format: "JSONEachRow" });
      expect(await rows.json()).toHaveLength(1);
    } finally {
      await ch.close();
    }
    expect(await healthy(ports.sink)).toBe(true);
  }, 120_000);

  it("stopAll ends every process and restarts nothing", async () => {
    const pids = sup.statuses().map((s) => s.pid as number);
    await status?.close();
    status = undefined;
    await sup.stopAll();
    for (const pid of pids) expect(alive(pid), `pid ${pid}`).toBe(false);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(sup.statuses().every((s) => s.state === "stopped" && s.pid === null)).toBe(true);
  }, 60_000);
});
