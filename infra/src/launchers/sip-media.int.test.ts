import { randomBytes } from "node:crypto";
import dgram from "node:dgram";
import { readdir } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import Srf from "drachtio-srf";
import { afterEach, describe, expect, it } from "vitest";
import { sipOptionsAnswered, startDrachtio } from "./drachtio.ts";
import { LauncherError, tcpReachable, tempDir } from "./process.ts";
import { ngPing, startRtpengine } from "./rtpengine.ts";
import { startSipp } from "./sipp.ts";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

/** drachtio-srf's disconnect() throws once the server side has gone (e.g. drachtio stopped first). */
const disconnect = (srf: Srf) => () => {
  try {
    srf.disconnect();
  } catch {
    // already disconnected
  }
};

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** rtpengine-client 0.4 ships no types: the part these tests use. */
interface NgClient {
  offer(port: number, host: string, opts: Record<string, unknown>): Promise<Record<string, unknown>>;
  answer(port: number, host: string, opts: Record<string, unknown>): Promise<Record<string, unknown>>;
  delete(port: number, host: string, opts: Record<string, unknown>): Promise<Record<string, unknown>>;
  close(): void;
}
const { Client: NgClientCtor } = createRequire(import.meta.url)("rtpengine-client") as {
  Client: new (opts: { localAddress: string; localPort: number; timeout: number }) => NgClient;
};

/** One SIP request over UDP from a fresh loopback socket; resolves with the first response. */
async function sipOverUdp(port: number, method: string): Promise<string> {
  const sock = dgram.createSocket("udp4");
  cleanups.push(() => new Promise<void>((r) => sock.close(() => r())));
  await new Promise<void>((r) => sock.bind(0, "127.0.0.1", () => r()));
  const local = sock.address().port;
  const id = randomBytes(6).toString("hex");
  const msg = [
    `${method} sip:agent@127.0.0.1:${port} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${local};rport;branch=z9hG4bK${id}`,
    "Max-Forwards: 70",
    `From: <sip:test@127.0.0.1:${local}>;tag=${id}`,
    `To: <sip:agent@127.0.0.1:${port}>`,
    `Call-ID: ${id}@127.0.0.1`,
    `CSeq: 1 ${method}`,
    `Contact: <sip:test@127.0.0.1:${local}>`,
    "Content-Length: 0",
    "",
    "",
  ].join("\r\n");
  const reply = new Promise<string>((resolve) => {
    sock.on("message", (m) => {
      const text = m.toString("latin1");
      if (!/^SIP\/2\.0 1\d\d /.test(text)) resolve(text); // skip provisional responses
    });
  });
  sock.send(msg, port, "127.0.0.1");
  return await reply;
}

const PCMU_OFFER = (port: number) =>
  [
    "v=0",
    "o=- 1 1 IN IP4 127.0.0.1",
    "s=-",
    "c=IN IP4 127.0.0.1",
    "t=0 0",
    `m=audio ${port} RTP/AVP 0 101`,
    "a=rtpmap:0 PCMU/8000",
    "a=rtpmap:101 telephone-event/8000",
    "a=fmtp:101 0-16",
    "a=sendrecv",
    "",
  ].join("\r\n");

describe("drachtio-server launcher", () => {
  it("listens for an app on the admin port, SIP over UDP and SIP over WebSocket", async () => {
    const drachtio = await startDrachtio();
    cleanups.push(drachtio.stop);
    expect(drachtio.sipUri).toBe(`sip:127.0.0.1:${drachtio.sipPort}`);

    // No app connected: drachtio-server itself answers a request outside a dialog with 503.
    expect(await sipOverUdp(drachtio.sipPort, "OPTIONS")).toMatch(/^SIP\/2\.0 503 /);

    const srf = new Srf();
    cleanups.push(disconnect(srf));
    const seen: string[] = [];
    srf.use("options", (req, res) => {
      seen.push(`${req.method} ${req.protocol} ${req.get("Call-ID")} ${req.get("Via").split(" ")[0]}`);
      res.send(200, { headers: { "X-Answered-By": "srf" } });
    });
    await new Promise<void>((resolve, reject) => {
      srf.on("connect", (err) => (err ? reject(err) : resolve()));
      srf.on("error", reject);
      void srf.connect({ host: "127.0.0.1", port: drachtio.adminPort, secret: drachtio.secret });
    });

    // The app registers for OPTIONS right after connecting: the first request may still meet the 503.
    let reply = "";
    for (let i = 0; i < 50 && !reply.startsWith("SIP/2.0 200"); i++)
      reply = await sipOverUdp(drachtio.sipPort, "OPTIONS");
    expect(reply).toMatch(/^SIP\/2\.0 200 /);
    expect(reply).toMatch(/X-Answered-By: srf/i);
    expect(seen.at(-1)).toMatch(/^OPTIONS udp .* SIP\/2\.0\/UDP$/);

    // SIP over WebSocket: the "sip" subprotocol is accepted, and an OPTIONS reaches the same app.
    const ws = new WebSocket(`ws://127.0.0.1:${drachtio.wsPort}`, "sip");
    cleanups.push(() => ws.close());
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener("open", () => resolve());
      ws.addEventListener("error", () => reject(new Error("WebSocket to drachtio failed")));
    });
    expect(ws.protocol).toBe("sip");
    const id = randomBytes(6).toString("hex");
    const wsReply = new Promise<string>((resolve) =>
      ws.addEventListener("message", (e) => resolve(String(e.data))),
    );
    ws.send(
      [
        `OPTIONS sip:agent@127.0.0.1:${drachtio.wsPort};transport=ws SIP/2.0`,
        `Via: SIP/2.0/WS ${id}.invalid;branch=z9hG4bK${id}`,
        "Max-Forwards: 70",
        `From: <sip:browser@${id}.invalid>;tag=${id}`,
        `To: <sip:agent@127.0.0.1>`,
        `Call-ID: ${id}`,
        "CSeq: 1 OPTIONS",
        "Content-Length: 0",
        "",
        "",
      ].join("\r\n"),
    );
    expect(await wsReply).toMatch(/^SIP\/2\.0 200 /);
    // drachtio-srf reports req.protocol "tcp" for SIP over WebSocket; the Via names WS.
    expect(seen.at(-1)).toBe(`OPTIONS tcp ${id} SIP/2.0/WS`);

    await drachtio.stop();
    expect(alive(drachtio.process.pid)).toBe(false);
    expect(await tcpReachable(drachtio.adminPort)).toBe(false);
    expect(await sipOptionsAnswered(drachtio.sipPort)).toBe(false);
  });

  it("passes sipp's calls to a drachtio-srf app that answers them", async () => {
    const drachtio = await startDrachtio({ logLevel: "notice" });
    cleanups.push(drachtio.stop);
    const srf = new Srf();
    cleanups.push(disconnect(srf));
    let answered = 0;
    srf.invite((req, res) => {
      void srf
        .createUAS(req, res, { localSdp: PCMU_OFFER(40_000).replace("o=- 1 1", "o=- 2 2") })
        .then(() => answered++);
    });
    // Registered after INVITE: drachtio handles an app's route requests in order, so once OPTIONS
    // is routed to the app (200 instead of drachtio's own 503), INVITE is too.
    srf.use("options", (_req, res) => res.send(200));
    await new Promise<void>((resolve, reject) => {
      srf.on("connect", (err) => (err ? reject(err) : resolve()));
      void srf.connect({ host: "127.0.0.1", port: drachtio.adminPort, secret: drachtio.secret });
    });
    let reply = "";
    for (let i = 0; i < 50 && !reply.startsWith("SIP/2.0 200"); i++)
      reply = await sipOverUdp(drachtio.sipPort, "OPTIONS");
    expect(reply).toMatch(/^SIP\/2\.0 200 /);
    const uac = await startSipp({
      role: "uac",
      remote: `127.0.0.1:${drachtio.sipPort}`,
      calls: 3,
      traceErr: true,
      extraArgs: ["-timeout", "30s", "-timeout_error"],
    });
    cleanups.push(uac.stop);
    expect(await uac.exited, uac.process.output()).toBe(0);
    expect(answered).toBe(3);
  });

  it("says to run npm run setup when the binary is missing", async () => {
    const dir = await tempDir("no-drachtio");
    const err = await startDrachtio({ binary: path.join(dir, "drachtio") }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LauncherError);
    expect((err as LauncherError).code).toBe("NO_BINARY");
    expect((err as LauncherError).message).toContain("run npm run setup");
  });
});

describe("rtpengine launcher", () => {
  it("answers NG ping, rewrites a PCMU offer/answer into its port range, and stops", async () => {
    const rtp = await startRtpengine();
    cleanups.push(rtp.stop);
    expect(rtp.portMax - rtp.portMin + 1).toBe(2000);
    expect(rtp.portMin).toBeGreaterThanOrEqual(20_000);
    expect(rtp.portMax).toBeLessThanOrEqual(59_999);
    expect(await ngPing(rtp.ngPort)).toBe(true);

    const client = new NgClientCtor({ localAddress: "127.0.0.1", localPort: 0, timeout: 5_000 });
    cleanups.push(() => client.close());
    const callId = randomBytes(6).toString("hex");
    const common = { "call-id": callId, "from-tag": "caller", replace: ["origin"], ICE: "remove" };
    const offer = await client.offer(rtp.ngPort, "127.0.0.1", { ...common, sdp: PCMU_OFFER(30_000) });
    expect(offer.result).toBe("ok");
    const answer = await client.answer(rtp.ngPort, "127.0.0.1", {
      ...common,
      "to-tag": "callee",
      sdp: PCMU_OFFER(30_010),
    });
    expect(answer.result).toBe("ok");
    for (const sdp of [String(offer.sdp), String(answer.sdp)]) {
      expect(sdp).toMatch(/c=IN IP4 127\.0\.0\.1/);
      const port = Number(/m=audio (\d+) RTP\/AVP 0/.exec(sdp)?.[1]);
      expect(port).toBeGreaterThanOrEqual(rtp.portMin);
      expect(port).toBeLessThanOrEqual(rtp.portMax);
    }
    expect(
      (await client.delete(rtp.ngPort, "127.0.0.1", { "call-id": callId, "from-tag": "caller" })).result,
    ).toBe("ok");
    expect(await readdir(rtp.recordingDir)).toEqual(expect.arrayContaining(["pcaps", "metadata"]));

    await rtp.stop();
    expect(alive(rtp.process.pid)).toBe(false);
    expect(await ngPing(rtp.ngPort)).toBe(false);
  });

  it("gives parallel rtpengines disjoint media port ranges, and honours an explicit range", async () => {
    const a = await startRtpengine({ portCount: 500, logLevel: 5 });
    cleanups.push(a.stop);
    const b = await startRtpengine({ portCount: 500, endpointLearning: "immediate" });
    cleanups.push(b.stop);
    expect(a.portMax < b.portMin || b.portMax < a.portMin).toBe(true);
    const c = await startRtpengine({ portMin: 61_000, portMax: 61_099 });
    cleanups.push(c.stop);
    expect([c.portMin, c.portMax]).toEqual([61_000, 61_099]);
    expect(await ngPing(c.ngPort)).toBe(true);
    expect(c.process.child.spawnargs).toContain("--port-min=61000");
    expect(b.process.child.spawnargs).toContain("--endpoint-learning=immediate");
  });

  it("reports a missing binary", async () => {
    const err = await startRtpengine({ binary: "/nonexistent/rtpengine" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LauncherError);
    expect((err as LauncherError).code).toBe("NO_BINARY");
  });
});

describe("sipp launcher", () => {
  it("a sipp UAS answers a sipp UAC's three calls and stops on SIGTERM", async () => {
    const uas = await startSipp({ role: "uas", traceStat: true });
    cleanups.push(uas.stop);
    const uac = await startSipp({
      role: "uac",
      remote: `127.0.0.1:${uas.port}`,
      calls: 3,
      extraArgs: ["-timeout", "30s", "-timeout_error"],
    });
    cleanups.push(uac.stop);
    expect(await uac.exited, uac.process.output()).toBe(0);
    await uas.stop();
    expect(alive(uas.process.pid)).toBe(false);
    expect(await uas.exited).toBe(0);
  });
});
