// `npm start` as a user runs it: the whole stack on free ports in a temp data dir, data flowing,
// SIGINT stops every process it started, and a restart keeps the data.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { connectNats } from "@cc/ingest";
import { createClient } from "redis";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "./launchers/clickhouse.ts";
import { freePort, type ManagedProcess, spawnManaged, tempDir } from "./launchers/process.ts";

/** Every descendant pid of `root`, from /proc. */
async function descendants(root: number): Promise<number[]> {
  const parentOf = new Map<number, number>();
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parentOf.set(Number(entry), ppid);
    } catch {
      // the process ended while we looked
    }
  }
  const out: number[] = [];
  const walk = (pid: number) => {
    for (const [child, parent] of parentOf) {
      if (parent === pid) {
        out.push(child);
        walk(child);
      }
    }
  };
  walk(root);
  return out;
}

/** The descendant of `root` running `entry` (a service's main file). */
async function pidOf(root: number, entry: string): Promise<number> {
  for (const pid of await descendants(root)) {
    const cmd = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    if (cmd.split("\0").some((arg) => arg.endsWith(entry))) return pid;
  }
  throw new Error(`no process runs ${entry}`);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const portNames = [
  "NATS_PORT",
  "NATS_MONITOR_PORT",
  "REDIS_PORT",
  "CLICKHOUSE_PORT",
  "INTAKE_PORT",
  "SINK_HTTP_PORT",
  "PACING_HTTP_PORT",
  "DEMO_HTTP_PORT",
  "MEDIA_HTTP_PORT",
  "PROJECTOR_HTTP_PORT",
  "DASHBOARD_PORT",
  "DRACHTIO_ADMIN_PORT",
  "DRACHTIO_SIP_PORT",
  "DRACHTIO_WS_PORT",
  "RTPENGINE_NG_PORT",
] as const;

describe("npm start", () => {
  let dataDir = "";
  const ports: Record<string, string> = {};
  let stack: ManagedProcess | undefined;
  afterAll(async () => {
    await stack?.stop();
  });

  const startStack = async () => {
    let up = false;
    const proc = await spawnManaged({
      name: "npm start",
      command: process.execPath,
      args: [path.join(repoRoot, "infra/src/start.ts")],
      // Short conversations so an agent's disposition comes within the test's time.
      env: {
        ...process.env,
        ...ports,
        CC_DATA_DIR: dataDir,
        LOG_LEVEL: "warn",
        DEMO_TALK_SECONDS: "3-6",
        // Only what the live demo dialed counts here (generated history would satisfy every count).
        DEMO_HISTORY: "0",
      },
      onLine: (line) => {
        if (line.includes("call center stack is up")) up = true;
      },
      ready: async () => up,
      readyTimeoutMs: 180_000,
    });
    return proc;
  };

  const query = async (sql: string) => {
    const secrets = JSON.parse(await readFile(path.join(dataDir, "secrets.json"), "utf8")) as {
      clickhouse_analyst_password: string;
    };
    const res = await fetch(`http://127.0.0.1:${ports.CLICKHOUSE_PORT}/?query=${encodeURIComponent(sql)}`, {
      headers: { "X-ClickHouse-User": "analyst", "X-ClickHouse-Key": secrets.clickhouse_analyst_password },
    });
    expect(res.status, await res.clone().text()).toBe(200);
    return (await res.text()).trim();
  };

  it("brings the stack up, events flow into ClickHouse, Ctrl-C leaves no process behind", async () => {
    dataDir = await tempDir("stack");
    for (const name of portNames) ports[name] = String(await freePort());
    // rtpengine's 2000 media ports, above the kernel's ephemeral range and the launchers' blocks.
    ports.RTPENGINE_PORT_MIN = String(61_000 + Math.floor(Math.random() * 2) * 2_000);
    stack = await startStack();
    const children = await descendants(stack.pid);
    expect(children.length).toBeGreaterThanOrEqual(5);

    const { metrics_api_key } = JSON.parse(await readFile(path.join(dataDir, "secrets.json"), "utf8")) as {
      metrics_api_key: string;
    };
    for (const name of [
      "INTAKE_PORT",
      "SINK_HTTP_PORT",
      "PACING_HTTP_PORT",
      "DEMO_HTTP_PORT",
      "MEDIA_HTTP_PORT",
      "PROJECTOR_HTTP_PORT",
      "DASHBOARD_PORT",
    ]) {
      const base = `http://127.0.0.1:${ports[name]}`;
      expect((await fetch(`${base}/health`)).ok, `${name} /health`).toBe(true);
      // Metrics are for machines with the key, like every endpoint but health.
      expect((await fetch(`${base}/metrics`)).status, `${name} /metrics without key`).toBe(401);
      const withKey = await fetch(`${base}/metrics`, {
        headers: { authorization: `Bearer ${metrics_api_key}` },
      });
      expect(withKey.status, `${name} /metrics with key`).toBe(200);
      expect(await withKey.text()).toContain("process_cpu_seconds_total");
    }
    // The stack's nats-server and redis-server want a service identity (identities.ts).
    await expect(
      connectNats(`nats://127.0.0.1:${ports.NATS_PORT}`, { maxReconnectAttempts: 0 }),
    ).rejects.toThrow(/authorization/i);
    const anonymous = createClient({
      url: `redis://127.0.0.1:${ports.REDIS_PORT}`,
      socket: { reconnectStrategy: false },
    });
    anonymous.on("error", () => undefined);
    await expect(anonymous.connect()).rejects.toThrow(/NOAUTH/);
    anonymous.destroy();

    // The demo campaign is paced by the pacing service and dialed by the media service through
    // drachtio-server and rtpengine: answered calls are analysed, people reach simulated agents
    // on SIP phones, who disposition through the console.
    const count = async (where: string) => Number(await query(`SELECT count() FROM events WHERE ${where}`));
    for (
      let i = 0;
      i < 240 &&
      (await count("kind = 'call.disposition' AND JSONExtractString(payload, 'set_by') = 'agent'")) === 0;
      i++
    ) {
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(await count("kind = 'call.attempt_created'")).toBeGreaterThan(0);
    expect(
      await count("kind = 'call.answered' AND JSONExtractString(payload, 'detection') = 'human'"),
    ).toBeGreaterThan(0);
    expect(await count("kind = 'call.bridged'")).toBeGreaterThan(0);
    expect(
      await count("kind = 'call.disposition' AND JSONExtractString(payload, 'set_by') = 'agent'"),
    ).toBeGreaterThan(0);
    expect(
      await count("kind = 'agent.device' AND JSONExtractString(payload, 'state') = 'connected'"),
    ).toBeGreaterThan(0);

    // kill -9 of the sink: the supervisor starts it again, the rest of the stack stays up, and
    // the dashboard's /health shows the restart (from the supervisor's status in Redis).
    const sinkPid = await pidOf(stack.pid, "ingest/src/sink/main.ts");
    const intakePid = await pidOf(stack.pid, "ingest/src/intake/main.ts");
    process.kill(sinkPid, "SIGKILL");
    const dashboardHealth = async () =>
      (await (await fetch(`http://127.0.0.1:${ports.DASHBOARD_PORT}/health`)).json()) as {
        stack?: { services: { name: string; state: string; restarts: number }[] };
      };
    let sinkStatus: { state: string; restarts: number } | undefined;
    for (let i = 0; i < 300; i++) {
      sinkStatus = (await dashboardHealth()).stack?.services.find((x) => x.name === "sink");
      if (sinkStatus?.state === "running" && sinkStatus.restarts === 1) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(sinkStatus).toMatchObject({ state: "running", restarts: 1 });
    expect((await fetch(`http://127.0.0.1:${ports.SINK_HTTP_PORT}/health`)).ok).toBe(true);
    expect(await pidOf(stack.pid, "ingest/src/intake/main.ts")).toBe(intakePid);
    expect(alive(stack.pid)).toBe(true);

    const before = await descendants(stack.pid);
    stack.kill("SIGINT");
    expect(await stack.exited).toBe(0);
    for (const pid of [...children, ...before]) expect(alive(pid), `pid ${pid} still running`).toBe(false);
  }, 300_000);

  it("keeps all data across a restart", async () => {
    expect(dataDir).not.toBe("");
    stack = await startStack();
    const count = Number(await query("SELECT count() FROM events"));
    expect(count).toBeGreaterThan(0);
    stack.kill("SIGINT");
    expect(await stack.exited).toBe(0);
  }, 180_000);
});
