// `npm start` as a test runs it: the whole stack as one child process on free ports in a temp
// data dir, plus what tests need to look inside it (its process tree, its secrets, SQL).
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { repoRoot } from "../launchers/clickhouse.ts";
import { freePort, type ManagedProcess, spawnManaged, tempDir } from "../launchers/process.ts";

export const STACK_PORT_NAMES = [
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
  "REPORT_REFRESHER_HTTP_PORT",
  "DASHBOARD_PORT",
  "DRACHTIO_ADMIN_PORT",
  "DRACHTIO_SIP_PORT",
  "DRACHTIO_WS_PORT",
  "RTPENGINE_NG_PORT",
] as const;

/** The Node services' health ports (each serves GET /health). */
export const SERVICE_HEALTH_PORTS = [
  "INTAKE_PORT",
  "SINK_HTTP_PORT",
  "PACING_HTTP_PORT",
  "DEMO_HTTP_PORT",
  "MEDIA_HTTP_PORT",
  "PROJECTOR_HTTP_PORT",
  "REPORT_REFRESHER_HTTP_PORT",
  "DASHBOARD_PORT",
] as const;

export interface StackUnderTest {
  dataDir: string;
  ports: Record<string, string>;
  proc: ManagedProcess;
  secrets(): Promise<Record<string, string>>;
  /** One value (first column of the first row) of a query as the analyst. */
  scalar(sql: string): Promise<string>;
  /** A query's whole answer as the analyst (TabSeparated). */
  rows(sql: string): Promise<string>;
}

/** Free ports for every server and service of the stack (rtpengine's media range included). */
export async function stackPorts(): Promise<Record<string, string>> {
  const ports: Record<string, string> = {};
  for (const name of STACK_PORT_NAMES) ports[name] = String(await freePort());
  // rtpengine's 2000 media ports, above the kernel's ephemeral range and the launchers' blocks.
  ports.RTPENGINE_PORT_MIN = String(61_000 + Math.floor(Math.random() * 2) * 2_000);
  return ports;
}

export async function startStackProcess(opts: {
  dataDir?: string;
  ports?: Record<string, string>;
  env?: Record<string, string>;
}): Promise<StackUnderTest> {
  const dataDir = opts.dataDir ?? (await tempDir("stack"));
  let ports = opts.ports ?? (await stackPorts());
  let proc: ManagedProcess;
  for (let attempt = 1; ; attempt++) {
    try {
      proc = await spawnStack(dataDir, ports, opts.env);
      break;
    } catch (err) {
      // A free port taken by another process between our probe and the server's bind (the box
      // runs many stacks at once): once more on fresh ports, unless the caller chose them.
      const portRace = /nta_agent_create|EADDRINUSE|Address already in use/.test(String(err));
      if (opts.ports || attempt >= 2 || !portRace) throw err;
      ports = await stackPorts();
    }
  }
  const secrets = async () =>
    JSON.parse(await readFile(path.join(dataDir, "secrets.json"), "utf8")) as Record<string, string>;
  const rows = async (sql: string) => {
    const { clickhouse_analyst_password } = await secrets();
    const res = await fetch(`http://127.0.0.1:${ports.CLICKHOUSE_PORT}/?query=${encodeURIComponent(sql)}`, {
      headers: { "X-ClickHouse-User": "analyst", "X-ClickHouse-Key": clickhouse_analyst_password ?? "" },
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`query failed (${res.status}): ${text}`);
    return text.trim();
  };
  const scalar = async (sql: string) => (await rows(sql)).split("\n")[0]?.split("\t")[0] ?? "";
  return { dataDir, ports, proc, secrets, scalar, rows };
}

async function spawnStack(
  dataDir: string,
  ports: Record<string, string>,
  env: Record<string, string> | undefined,
): Promise<ManagedProcess> {
  let up = false;
  return await spawnManaged({
    name: "npm start",
    command: process.execPath,
    args: [path.join(repoRoot, "infra/src/start.ts")],
    env: {
      ...process.env,
      ...ports,
      CC_DATA_DIR: dataDir,
      LOG_LEVEL: "warn",
      LOG_FORMAT: "json",
      ...env,
    },
    onLine: (line) => {
      if (line.includes("call center stack is up")) up = true;
    },
    ready: async () => up,
    readyTimeoutMs: 180_000,
  });
}

/** Every descendant pid of `root` with its command line, from /proc. */
export async function descendants(root: number): Promise<{ pid: number; ppid: number; cmdline: string }[]> {
  const parentOf = new Map<number, number>();
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, "utf8");
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // the process ended while we looked
    }
  }
  const out: { pid: number; ppid: number; cmdline: string }[] = [];
  const walk = async (pid: number) => {
    for (const [child, parent] of parentOf) {
      if (parent !== pid) continue;
      const cmdline = await readFile(`/proc/${child}/cmdline`, "utf8").catch(() => "");
      out.push({ pid: child, ppid: pid, cmdline: cmdline.replaceAll("\0", " ").trim() });
      await walk(child);
    }
  };
  await walk(root);
  return out;
}

export const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
