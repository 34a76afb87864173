import { type ChildProcess, spawn } from "node:child_process";
import net from "node:net";
import { createInterface } from "node:readline";

export class LauncherError extends Error {
  override name = "LauncherError";
  readonly code: string;
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Ports this process has handed out: the kernel may offer a just-closed port again. */
const handedOut = new Set<number>();

/**
 * A free TCP port on 127.0.0.1, as the kernel hands it out, never one this process already
 * handed out (two calls in a row could otherwise return the same port, e.g. a server's
 * client and monitor ports).
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await kernelPort();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

async function kernelPort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      if (addr === null || typeof addr === "string") return reject(new Error("no port"));
      srv.close(() => resolve(addr.port));
    });
  });
}

/** Fails with a message that names the port and how to change it. */
export async function assertPortFree(port: number, envName: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", (err: NodeJS.ErrnoException) => {
      reject(
        new LauncherError(
          err.code === "EADDRINUSE"
            ? `port 127.0.0.1:${port} is already in use; set ${envName} to another port (in the environment or .env)`
            : `cannot bind 127.0.0.1:${port} (${err.code}); set ${envName} to another port`,
          "PORT_TAKEN",
          { cause: err },
        ),
      );
    });
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve()));
  });
}

export { releaseTempDir, stopAndRelease, sweepStaleTempDirs, tempDir } from "./temp.ts";

export async function tcpReachable(port: number, host = "127.0.0.1"): Promise<boolean> {
  return await new Promise((resolve) => {
    const sock = net.connect({ port, host });
    sock.once("connect", () => {
      sock.destroy();
      resolve(true);
    });
    sock.once("error", () => resolve(false));
  });
}

export interface ManagedProcess extends AsyncDisposable {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Last lines the process wrote to stdout/stderr, for error messages. */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`. Resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>;
  /** Send a signal without waiting (e.g. SIGKILL in crash tests). */
  kill(signal: NodeJS.Signals): void;
  readonly exited: Promise<number | null>;
}

export interface SpawnOptions {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Polled until it returns true. */
  ready: () => Promise<boolean>;
  readyTimeoutMs?: number;
  /** Forward output lines to this sink (start script); tests keep them in the ring only. */
  onLine?: (line: string) => void;
}

/** Children still running: killed when this process exits, so a failed test or an interrupted
 * benchmark leaves no server behind (a normal stop has removed them already). */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function track(child: ChildProcess): void {
  running.add(child);
  child.once("exit", () => running.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const c of running) c.kill("SIGKILL");
  });
}

export async function spawnManaged(opts: SpawnOptions): Promise<ManagedProcess> {
  const ring: string[] = [];
  const child = spawn(opts.command, opts.args, {
    env: opts.env ?? process.env,
    cwd: opts.cwd,
    stdio: ["ignore", "pipe", "pipe"],
  });
  track(child);
  const remember = (line: string) => {
    if (line.length === 0) return;
    ring.push(line);
    if (ring.length > 200) ring.shift();
    opts.onLine?.(line);
  };
  // Whole lines only: a JSON log line split across two reads stays one line.
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on("line", remember);
  }
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => {
      exitCode = code;
      resolve(code);
    });
    child.once("error", (err) => {
      ring.push(String(err));
      exitCode = -1;
      resolve(-1);
    });
  });
  const output = () => ring.join("\n");
  const stop = async (graceMs = 10_000) => {
    if (exitCode !== undefined) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 30_000);
  for (;;) {
    if (exitCode !== undefined) {
      throw new LauncherError(
        `${opts.name} exited (code ${exitCode}) before it was ready:\n${output()}`,
        "EXITED_EARLY",
      );
    }
    if (await opts.ready().catch(() => false)) break;
    if (Date.now() > deadline) {
      await stop(2_000);
      throw new LauncherError(`${opts.name} not ready in time:\n${output()}`, "NOT_READY");
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  if (child.pid === undefined) throw new LauncherError(`${opts.name} has no pid`, "NO_PID");
  return {
    name: opts.name,
    child,
    pid: child.pid,
    output,
    stop,
    kill: (signal) => {
      child.kill(signal);
    },
    exited,
    [Symbol.asyncDispose]: () => stop(),
  };
}
