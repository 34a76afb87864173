import { mkdir } from "node:fs/promises";
import { freePort, type ManagedProcess, spawnManaged, tempDir } from "./process.ts";

export interface NatsServer extends AsyncDisposable {
  readonly url: string;
  readonly port: number;
  readonly monitorPort: number;
  readonly dataDir: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

export interface NatsOptions {
  port?: number;
  monitorPort?: number;
  /** JetStream store dir; a temp dir when omitted. */
  dataDir?: string;
  onLine?: (line: string) => void;
  binary?: string;
}

/** nats-server with JetStream on 127.0.0.1; ready when /healthz says JetStream is up. */
export async function startNats(opts: NatsOptions = {}): Promise<NatsServer> {
  const port = opts.port ?? (await freePort());
  const monitorPort = opts.monitorPort ?? (await freePort());
  const dataDir = opts.dataDir ?? (await tempDir("nats"));
  await mkdir(dataDir, { recursive: true });
  const proc = await spawnManaged({
    name: "nats-server",
    command: opts.binary ?? "nats-server",
    args: ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", dataDir, "-m", String(monitorPort)],
    ready: async () => {
      const res = await fetch(`http://127.0.0.1:${monitorPort}/healthz?js-enabled-only=true`);
      return res.ok;
    },
    onLine: opts.onLine,
  });
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    monitorPort,
    dataDir,
    process: proc,
    stop: () => proc.stop(),
    [Symbol.asyncDispose]: () => proc.stop(),
  };
}
