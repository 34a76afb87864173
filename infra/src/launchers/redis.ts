import { mkdir } from "node:fs/promises";
import net from "node:net";
import { freePort, type ManagedProcess, spawnManaged, tempDir } from "./process.ts";

export interface RedisServer extends AsyncDisposable {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

export interface RedisOptions {
  port?: number;
  dataDir?: string;
  onLine?: (line: string) => void;
}

async function pingRedis(port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const sock = net.connect({ port, host: "127.0.0.1" });
    sock.setTimeout(1_000, () => {
      sock.destroy();
      resolve(false);
    });
    sock.once("connect", () => sock.write("PING\r\n"));
    sock.once("data", (d) => {
      sock.destroy();
      resolve(d.toString().startsWith("+PONG"));
    });
    sock.once("error", () => resolve(false));
  });
}

/** redis-server in the foreground (so it dies with us), AOF on, no RDB snapshots. */
export async function startRedis(opts: RedisOptions = {}): Promise<RedisServer> {
  const port = opts.port ?? (await freePort());
  const dataDir = opts.dataDir ?? (await tempDir("redis"));
  await mkdir(dataDir, { recursive: true });
  const proc = await spawnManaged({
    name: "redis-server",
    command: "redis-server",
    args: [
      "--bind",
      "127.0.0.1",
      "--port",
      String(port),
      "--appendonly",
      "yes",
      "--dir",
      dataDir,
      "--save",
      "",
      "--daemonize",
      "no",
      "--protected-mode",
      "yes",
    ],
    ready: () => pingRedis(port),
    onLine: opts.onLine,
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dataDir,
    process: proc,
    stop: () => proc.stop(),
    [Symbol.asyncDispose]: () => proc.stop(),
  };
}
