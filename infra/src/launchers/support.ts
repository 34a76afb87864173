import dgram from "node:dgram";
import { constants } from "node:fs";
import { access, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { freePort } from "./process.ts";

/** True when 127.0.0.1:<port>/udp can be bound right now (and releases it again). */
export async function udpPortFree(port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const sock = dgram.createSocket("udp4");
    sock.once("error", () => {
      sock.close();
      resolve(false);
    });
    sock.bind(port, "127.0.0.1", () => sock.close(() => resolve(true)));
  });
}

/**
 * A port free on 127.0.0.1 for TCP and UDP alike (SIP listens on both; sipp and rtpengine's NG
 * protocol are UDP), from `freePort`, so never one this process already handed out.
 */
export async function freeUdpPort(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (await udpPortFree(port)) return port;
  }
}

/**
 * Sends one datagram from an ephemeral 127.0.0.1 socket and resolves with the first datagram
 * that comes back, or null after `timeoutMs` (UDP: no answer and a lost answer look the same).
 */
export async function udpRequest(
  port: number,
  payload: Buffer | string | ((localPort: number) => Buffer | string),
  timeoutMs = 500,
): Promise<Buffer | null> {
  return await new Promise((resolve) => {
    const sock = dgram.createSocket("udp4");
    let done = false;
    const finish = (value: Buffer | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.close();
      resolve(value);
    };
    const timer = setTimeout(() => finish(null), timeoutMs);
    sock.once("error", () => finish(null));
    sock.once("message", (msg) => finish(msg));
    sock.bind(0, "127.0.0.1", () => {
      const data = typeof payload === "function" ? payload(sock.address().port) : payload;
      sock.send(data, port, "127.0.0.1");
    });
  });
}

/**
 * The executable a launcher would run: `command` itself when it names a path, else the first
 * match on PATH; null when there is none (so the launcher can say how to install it).
 */
export async function findExecutable(command: string): Promise<string | null> {
  const candidates = command.includes("/")
    ? [command]
    : (process.env.PATH ?? "")
        .split(":")
        .filter((d) => d.length > 0)
        .map((d) => path.join(d, command));
  for (const c of candidates) {
    try {
      await access(c, constants.X_OK);
      if ((await stat(c)).isFile()) return c;
    } catch {
      // not this one
    }
  }
  return null;
}

/** True when something listens on 127.0.0.1:<port>/udp (read from /proc/net/udp: no probe socket races the owner's bind). */
export async function udpBound(port: number): Promise<boolean> {
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  const table = await readFile("/proc/net/udp", "utf8");
  return table.split("\n").some((line) => {
    const local = line.trim().split(/\s+/)[1];
    return local === `0100007F:${hex}` || local === `00000000:${hex}`;
  });
}
