import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { freePort, type ManagedProcess, spawnManaged, stopAndRelease, tempDir } from "./process.ts";

export interface NatsServer extends AsyncDisposable {
  readonly url: string;
  readonly port: number;
  readonly monitorPort: number;
  readonly dataDir: string;
  readonly process: ManagedProcess;
  /** The server URL carrying one configured user's credentials (what a service gets as NATS_URL). */
  urlFor(user: string): string;
  stop(): Promise<void>;
}

/** Subjects a user may publish and subscribe to (nats-server's `permissions` block). */
export interface NatsPermissions {
  publish?: { allow?: string[]; deny?: string[] };
  subscribe?: { allow?: string[]; deny?: string[] };
  /** May publish to the reply subject of a request it received (request/reply responders). */
  allow_responses?: boolean;
}

export interface NatsUser {
  user: string;
  password: string;
  permissions?: NatsPermissions;
}

export interface NatsOptions {
  port?: number;
  monitorPort?: number;
  /** JetStream store dir; a temp dir when omitted. */
  dataDir?: string;
  onLine?: (line: string) => void;
  binary?: string;
  /** Turn authentication on: only these users may connect, each within its permissions. */
  users?: NatsUser[];
}

/**
 * nats-server config with an authorization block. The config syntax accepts JSON values, and
 * quoted strings keep `$JS.API…` subjects from being read as variables.
 */
async function writeAuthConfig(dir: string, users: NatsUser[]): Promise<string> {
  const file = path.join(dir, "auth.conf");
  const body = {
    users: users.map((u) => ({ user: u.user, password: u.password, permissions: u.permissions })),
  };
  await writeFile(
    file,
    `# written by the launcher at every start\nauthorization: ${JSON.stringify(body, null, 2)}\n`,
    {
      mode: 0o600,
    },
  );
  return file;
}

/** `nats://user:password@host:port` for one configured user. */
export function natsUrlWithCredentials(url: string, user: string, password: string): string {
  const u = new URL(url);
  u.username = encodeURIComponent(user);
  u.password = encodeURIComponent(password);
  return u.toString().replace(/\/$/, "");
}

/** nats-server with JetStream on 127.0.0.1; ready when /healthz says JetStream is up. */
export async function startNats(opts: NatsOptions = {}): Promise<NatsServer> {
  const port = opts.port ?? (await freePort());
  const monitorPort = opts.monitorPort ?? (await freePort());
  const dataDir = opts.dataDir ?? (await tempDir("nats"));
  await mkdir(dataDir, { recursive: true });
  const config = opts.users ? ["-c", await writeAuthConfig(dataDir, opts.users)] : [];
  const proc = await spawnManaged({
    name: "nats-server",
    command: opts.binary ?? "nats-server",
    args: [
      ...config,
      "-a",
      "127.0.0.1",
      "-p",
      String(port),
      "-js",
      "-sd",
      dataDir,
      "-m",
      String(monitorPort),
    ],
    ready: async () => {
      const res = await fetch(`http://127.0.0.1:${monitorPort}/healthz?js-enabled-only=true`);
      return res.ok;
    },
    onLine: opts.onLine,
  });
  const url = `nats://127.0.0.1:${port}`;
  return {
    url,
    urlFor: (user) => {
      const u = opts.users?.find((x) => x.user === user);
      if (!u) throw new Error(`no NATS user ${user} configured`);
      return natsUrlWithCredentials(url, u.user, u.password);
    },
    port,
    monitorPort,
    dataDir,
    process: proc,
    stop: () => stopAndRelease(proc, dataDir, opts.dataDir),
    [Symbol.asyncDispose]: () => stopAndRelease(proc, dataDir, opts.dataDir),
  };
}
