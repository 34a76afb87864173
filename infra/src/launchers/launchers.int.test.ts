import { existsSync } from "node:fs";
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startNats } from "./nats.ts";
import { assertPortFree, LauncherError, tcpReachable, tempDir } from "./process.ts";
import { startRedis } from "./redis.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("server launchers", () => {
  it("starts nats-server with JetStream on a free loopback port and stops it", async () => {
    const nats = await startNats();
    cleanups.push(nats.stop);
    expect(nats.url).toMatch(/^nats:\/\/127\.0\.0\.1:\d+$/);
    const varz = (await (await fetch(`http://127.0.0.1:${nats.monitorPort}/jsz`)).json()) as {
      config?: object;
    };
    expect(varz.config).toBeDefined();
    expect(existsSync(nats.dataDir)).toBe(true);
    await nats.stop();
    expect(alive(nats.process.pid)).toBe(false);
    expect(await tcpReachable(nats.port)).toBe(false);
    // The launcher made the data dir, so stopping removes it.
    expect(existsSync(nats.dataDir)).toBe(false);
  });

  it("starts redis-server with AOF in its data dir and keeps data across a restart", async () => {
    // The test's own dir: a launcher removes a dir it made itself when it stops.
    const first = await startRedis({ dataDir: await tempDir("redis-restart") });
    cleanups.push(first.stop);
    const send = (port: number, cmd: string) =>
      new Promise<string>((resolve, reject) => {
        const s = net.connect({ port, host: "127.0.0.1" }, () => s.write(cmd));
        s.once("data", (d) => {
          s.destroy();
          resolve(d.toString());
        });
        s.once("error", reject);
      });
    expect(await send(first.port, "SET k v\r\n")).toBe("+OK\r\n");
    await first.stop();
    const second = await startRedis({ dataDir: first.dataDir });
    cleanups.push(second.stop);
    expect(await send(second.port, "GET k\r\n")).toBe("$1\r\nv\r\n");
  });

  it("names the port and the variable to change when a port is taken", async () => {
    const srv = net.createServer().listen(0, "127.0.0.1");
    await new Promise((r) => srv.once("listening", r));
    const port = (srv.address() as net.AddressInfo).port;
    cleanups.push(() => new Promise((r) => srv.close(() => r())));
    const err = await assertPortFree(port, "NATS_PORT").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LauncherError);
    expect((err as LauncherError).message).toContain(`127.0.0.1:${port} is already in use`);
    expect((err as LauncherError).message).toContain("NATS_PORT");
  });

  it("reports a server that dies before it is ready with its output", async () => {
    const err = await startNats({ binary: "/bin/false" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LauncherError);
    expect((err as LauncherError).code).toBe("EXITED_EARLY");
  });
});
