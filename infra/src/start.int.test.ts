// `npm start` as a user runs it: the whole stack on free ports in a temp data dir, data flowing,
// SIGINT stops every process it started, and a restart keeps the data.
import { connectNats } from "@cc/ingest";
import { createClient } from "redis";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir } from "./launchers/process.ts";
import {
  alive,
  descendants,
  SERVICE_HEALTH_PORTS,
  type StackUnderTest,
  stackPorts,
  startStackProcess,
} from "./testing/stack-process.ts";

/** The descendant of `root` running `entry` (a service's main file). */
async function pidOf(root: number, entry: string): Promise<number> {
  const found = (await descendants(root)).find((p) =>
    p.cmdline.split(" ").some((arg) => arg.endsWith(entry)),
  );
  if (!found) throw new Error(`no process runs ${entry}`);
  return found.pid;
}

describe("npm start", () => {
  let dataDir = "";
  let ports: Record<string, string> = {};
  let stack: StackUnderTest | undefined;
  afterAll(async () => {
    await stack?.proc.stop();
  });

  // Short conversations so an agent's disposition comes within the test's time; only what the
  // live demo dialed counts here (generated history would satisfy every count).
  const startStack = async () =>
    await startStackProcess({ dataDir, ports, env: { DEMO_TALK_SECONDS: "3-6", DEMO_HISTORY: "0" } });

  const query = async (sql: string) => {
    if (!stack) throw new Error("no stack");
    return await stack.rows(sql);
  };

  it("brings the stack up, events flow into ClickHouse, Ctrl-C leaves no process behind", async () => {
    dataDir = await tempDir("stack");
    ports = await stackPorts();
    stack = await startStack();
    const children = (await descendants(stack.proc.pid)).map((p) => p.pid);
    expect(children.length).toBeGreaterThanOrEqual(5);

    const { metrics_api_key } = await stack.secrets();
    for (const name of SERVICE_HEALTH_PORTS) {
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
    const sinkPid = await pidOf(stack.proc.pid, "ingest/src/sink/main.ts");
    const intakePid = await pidOf(stack.proc.pid, "ingest/src/intake/main.ts");
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
    expect(await pidOf(stack.proc.pid, "ingest/src/intake/main.ts")).toBe(intakePid);
    expect(alive(stack.proc.pid)).toBe(true);

    const before = (await descendants(stack.proc.pid)).map((p) => p.pid);
    stack.proc.kill("SIGINT");
    expect(await stack.proc.exited).toBe(0);
    for (const pid of [...children, ...before]) expect(alive(pid), `pid ${pid} still running`).toBe(false);
  }, 300_000);

  it("keeps all data across a restart", async () => {
    expect(dataDir).not.toBe("");
    stack = await startStack();
    const count = Number(await query("SELECT count() FROM events"));
    expect(count).toBeGreaterThan(0);
    stack.proc.kill("SIGINT");
    expect(await stack.proc.exited).toBe(0);
  }, 180_000);
});
