import { createHash, randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { freePort, type ManagedProcess, spawnManaged, stopAndRelease, tempDir } from "./process.ts";

export interface RedisServer extends AsyncDisposable {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  readonly process: ManagedProcess;
  /** The server URL carrying one ACL user's credentials (what a service gets as REDIS_URL). */
  urlFor(user: string): string;
  stop(): Promise<void>;
}

/** One Redis ACL user: `rules` are ACL SETUSER rules such as `~cc:live:*`, `%R~cc:dnc:*`, `+@all`. */
export interface RedisUser {
  user: string;
  password: string;
  rules: string[];
}

export interface RedisOptions {
  port?: number;
  dataDir?: string;
  onLine?: (line: string) => void;
  /** Turn authentication on: an ACL file with these users, and the passwordless default user off. */
  users?: RedisUser[];
  /** With `users`: the password of `default`, the administrator (random and unknown when omitted). */
  adminPassword?: string;
}

const sha256 = (password: string) => createHash("sha256").update(password).digest("hex");

/**
 * The ACL file (passwords stored as SHA-256, as ACL SAVE would) rewritten at every start.
 * `default` keeps every permission but wants a password, so no connection is logged in without
 * one: redis-server 7.0 replays MULTI/EXEC (and so every Lua script's writes) from the AOF as
 * `default`, and silently drops them at start when `default` may not run them (redis#14541).
 */
async function writeAclFile(dir: string, users: RedisUser[], adminPassword: string): Promise<string> {
  const file = path.join(dir, "users.acl");
  const lines = [
    `user default on #${sha256(adminPassword)} ~* &* +@all`,
    ...users.map((u) => {
      const hash = sha256(u.password);
      return `user ${u.user} on #${hash} resetkeys resetchannels ${u.rules.join(" ")}`;
    }),
  ];
  await writeFile(file, `${lines.join("\n")}\n`, { mode: 0o600 });
  return file;
}

/** `redis://user:password@host:port` for one ACL user. */
export function redisUrlWithCredentials(url: string, user: string, password: string): string {
  const u = new URL(url);
  u.username = encodeURIComponent(user);
  u.password = encodeURIComponent(password);
  return u.toString().replace(/\/$/, "");
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
      // With ACLs on, an unauthenticated PING is refused: the server answering is what counts.
      resolve(d.toString().startsWith("+PONG") || d.toString().startsWith("-NOAUTH"));
    });
    sock.once("error", () => resolve(false));
  });
}

/**
 * redis-server in the foreground (so it dies with us), AOF on, no RDB snapshots. With `users`,
 * ACLs: only those users (and `default` with `adminPassword`) may log in; no anonymous access.
 */
export async function startRedis(opts: RedisOptions = {}): Promise<RedisServer> {
  const port = opts.port ?? (await freePort());
  const dataDir = opts.dataDir ?? (await tempDir("redis"));
  await mkdir(dataDir, { recursive: true });
  const admin = opts.adminPassword ?? randomBytes(24).toString("base64url");
  const acl = opts.users ? ["--aclfile", await writeAclFile(dataDir, opts.users, admin)] : [];
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
      ...acl,
    ],
    ready: () => pingRedis(port),
    onLine: opts.onLine,
  });
  const url = `redis://127.0.0.1:${port}`;
  return {
    url,
    urlFor: (user) => {
      const u = opts.users?.find((x) => x.user === user);
      if (!u) throw new Error(`no Redis user ${user} configured`);
      return redisUrlWithCredentials(url, u.user, u.password);
    },
    port,
    dataDir,
    process: proc,
    stop: () => stopAndRelease(proc, dataDir, opts.dataDir),
    [Symbol.asyncDispose]: () => stopAndRelease(proc, dataDir, opts.dataDir),
  };
}
