// The SIP/RTP path against real servers: drachtio-server (ours and a second one for the phones),
// rtpengine in userspace, real RTP both ways. A simple stand-in analysis keeps these tests about
// signalling and media; the real analyzer has its own tests and the end-to-end ones.
import dgram from "node:dgram";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { startDrachtio, startRtpengine, tempDir } from "@cc/infra";
import type { CallControlEvent } from "@cc/pacing";
import Srf from "drachtio-srf";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Rtpengine } from "../engine/rtpengine.ts";
import { RtpEndpoint, tone } from "../rtp/endpoint.ts";
import { type AgentPhone, framesWithTone, PhoneSwitch, toneShare } from "../testing/phones.ts";
import { waitFor } from "../testing/wait.ts";
import { AgentSessions } from "./agent-sessions.ts";
import { SipCallControl } from "./call-control.ts";
import { agentSipCredentials } from "./credentials.ts";
import type { LegAnalysis } from "./ports.ts";
import { TrunkConfig } from "./trunks.ts";

const SIT_HZ = 950;
/** Stand-in: 950 Hz in early media = SIT; after answer, "human" after 200 ms of audio. */
function standInAnalysis(): LegAnalysis {
  let sitFrames = 0;
  let answeredAt = 0;
  return {
    early(pcm) {
      sitFrames = toneShare(pcm, SIT_HZ) > 0.6 ? sitFrames + 1 : 0;
      return sitFrames >= 5 ? { kind: "sit", code: "IC", final: true, atMs: 0 } : null;
    },
    answered(t) {
      answeredAt = t;
    },
    afterAnswer(_pcm, t) {
      return t - answeredAt >= 200
        ? { detection: "human", reason: "stand_in", decisionMs: t - answeredAt }
        : null;
    },
  };
}

const log = pino({ level: "silent" });
const cleanups: Array<() => Promise<unknown> | unknown> = [];
let cc: SipCallControl;
let phones: PhoneSwitch;
let agents: AgentSessions;
let mediaSipUri: string;
const events: CallControlEvent[] = [];
const SECRET = "test-sip-secret-0123456789";
let messageFile: string;
let srfForTests: Srf;
let engineForTests: Rtpengine;

const eventsOf = (attemptId: string) => events.filter((e) => e.attemptId === attemptId);
const final = (attemptId: string) =>
  waitFor(() => eventsOf(attemptId).find((e) => e.type === "failed" || e.type === "hungup"));

beforeAll(async () => {
  const [media, phoneSide, engineProc] = await Promise.all([
    startDrachtio({ logLevel: "notice" }),
    startDrachtio({ logLevel: "notice" }),
    startRtpengine({ logLevel: 4 }),
  ]);
  cleanups.push(
    () => media.stop(),
    () => phoneSide.stop(),
    () => engineProc.stop(),
  );
  mediaSipUri = media.sipUri;
  const engine = new Rtpengine({ host: "127.0.0.1", port: engineProc.ngPort });
  engineForTests = engine;
  cleanups.push(() => engine.close());
  const srf = new Srf();
  await new Promise<void>((resolve, reject) => {
    srf.on("connect", (err) => (err ? reject(err) : resolve()));
    srf.on("error", () => {});
    srf.connect({ host: "127.0.0.1", port: media.adminPort, secret: media.secret });
  });
  cleanups.push(() => srf.disconnect());
  srfForTests = srf;
  const park = await RtpEndpoint.open();
  cleanups.push(() => park.close());
  agents = new AgentSessions({
    srf,
    engine,
    orgId: "t",
    sipSecret: SECRET,
    realm: "cc.test",
    callIdPrefix: "cc-test-",
    park: { host: "127.0.0.1", port: park.port, law: "PCMU" },
    log,
  });
  agents.install();
  const dir = await tempDir("media-msg");
  messageFile = path.join(dir, "abandon.wav");
  await writeFile(messageFile, wav(tone(700, 1500)));
  cc = new SipCallControl({
    srf,
    engine,
    agents,
    trunks: [TrunkConfig.parse({ id: "carrier", uri: phoneSide.sipUri })],
    mediaHost: "127.0.0.1",
    analysisFor: () => standInAnalysis(),
    maxDetectMs: 4_000,
    callIdPrefix: "cc-test-",
    messageFile: () => messageFile,
    log,
  });
  cc.onEvent((e) => events.push(e));
  phones = await PhoneSwitch.connect({ adminPort: phoneSide.adminPort, secret: phoneSide.secret });
  cleanups.push(() => phones.close());
  phones.carrier((n) => scripts[n] ?? { finalMs: 200, final: { answer: true } });
});

afterAll(async () => {
  await cc?.hangupAll();
  while (cleanups.length) await cleanups.pop()?.();
});

const scripts: Record<
  string,
  Parameters<PhoneSwitch["carrier"]>[0] extends (n: string) => infer S ? S : never
> = {
  "+8613800000001": { finalMs: 300, final: { answer: true, greeting: tone(600, 30_000) } },
  "+8613800000002": { finalMs: 200, final: { status: 486 } },
  "+8613800000003": {},
  "+8613800000004": { earlyMedia: tone(SIT_HZ, 1000), provisionalMs: 50 },
  "+8613800000005": { finalMs: 200, final: { answer: true } },
  "+8613800000006": {
    finalMs: 200,
    final: { answer: true },
    answerSdp: (sdp) => sdp.replace(/m=audio \d+ RTP\/AVP[^\r\n]*/, "m=audio 0 RTP/AVP 97"),
  },
};

let seq = 0;
function dial(phone: string, ringTimeoutS = 10) {
  const attemptId = `t${Date.now().toString(36)}${seq++}`;
  cc.originate({ attemptId, campaignId: "c1", phone, callerId: "+8657100000000", ringTimeoutS, amd: true });
  return attemptId;
}

describe("SIP call control through drachtio-server and rtpengine", () => {
  let phone: AgentPhone;

  it("bridges a human answer to an agent's persistent session with audio both ways", async () => {
    const creds = agentSipCredentials(SECRET, "t", "agent-7");
    phone = await phones.agentPhone(mediaSipUri, creds);
    await waitFor(() => agents.get("agent-7"));
    const id = dial("+8613800000001");
    await waitFor(() => eventsOf(id).find((e) => e.type === "detected"));
    const t0 = performance.now();
    expect(await cc.bridgeNow(id, "agent-7")).toBe(true);
    const bridgeMs = performance.now() - t0;
    phone.endpoint.startSending(() => tone(1400, 20));
    // The customer's 600 Hz greeting reaches the agent; the agent's 1400 Hz reaches the customer.
    await waitFor(() => framesWithTone(phone.received, 600).length >= 10);
    const carrierCall = phones.calls.find((c) => c.number === "+8613800000001")!;
    await waitFor(() => framesWithTone(carrierCall.received, 1400).length >= 10);
    phone.endpoint.stopSending();
    expect(bridgeMs).toBeGreaterThan(0);
    expect(eventsOf(id).map((e) => e.type)).toEqual([
      "dialing",
      "ringing",
      "answered",
      "detected",
      "bridged",
    ]);
    cc.hangup(id, "agent");
    const end = await final(id);
    expect(end).toMatchObject({ type: "hungup", by: "agent" });
    await waitFor(() => carrierCall.endedAt);
    // Parked again: the session survives the call.
    expect(agents.get("agent-7")).toBeDefined();
  });

  it("maps a busy final response to busy with its SIP code", async () => {
    const id = dial("+8613800000002");
    expect(await final(id)).toMatchObject({ type: "failed", cause: "busy", sipCode: 486 });
  });

  it("cancels at the ring timeout and reports no answer", async () => {
    const id = dial("+8613800000003", 1);
    expect(await final(id)).toMatchObject({ type: "failed", cause: "no_answer", detail: "ring_timeout" });
    const call = phones.calls.find((c) => c.number === "+8613800000003")!;
    await waitFor(() => call.cancelled);
  });

  it("hears a SIT tone in early media and abandons the attempt as an invalid number", async () => {
    const id = dial("+8613800000004");
    const end = await final(id);
    expect(end).toMatchObject({ type: "failed", cause: "invalid_number", detail: "sit:IC" });
    expect(eventsOf(id).some((e) => e.type === "answered")).toBe(false);
  });

  it("plays the abandon message to the customer through rtpengine, then ends the call", async () => {
    const id = dial("+8613800000005");
    const detected = await waitFor(() => eventsOf(id).find((e) => e.type === "detected"));
    const started = await cc.playMessageNow(id, "abandon");
    expect(started).not.toBeNull();
    const call = phones.calls.find((c) => c.number === "+8613800000005")!;
    const heard = await waitFor(() => framesWithTone(call.received, 700)[0]);
    expect(heard.at).toBeGreaterThan(0);
    expect(started! - detected.at).toBeLessThan(2_000);
    expect(await final(id)).toMatchObject({ type: "hungup", by: "system" });
  });

  it("fails an answer with unusable SDP with a cause and keeps running", async () => {
    const id = dial("+8613800000006");
    const end = await final(id);
    expect(end).toMatchObject({ type: "failed", cause: "network", sipCode: 488 });
    expect((end as { detail?: string }).detail).toMatch(/bad_sdp/);
    // Still dialing afterwards.
    const next = dial("+8613800000002");
    expect(await final(next)).toMatchObject({ cause: "busy" });
  });

  it("survives a carrier that answers with malformed SIP: each attempt fails with a cause", async () => {
    // A raw UDP "carrier": garbage for +…0007 (and it ignores our CANCEL), a 200 OK without a
    // Contact header for +…0008.
    const bad = dgram.createSocket("udp4");
    await new Promise<void>((r) => bad.bind(0, "127.0.0.1", () => r()));
    bad.on("message", (msg, from) => {
      const text = msg.toString();
      if (!text.startsWith("INVITE")) return;
      const h = (name: string) => new RegExp(`^${name}:.*$`, "mi").exec(text)?.[0] ?? "";
      if (text.includes("+8613800000007@")) {
        bad.send(Buffer.from("SIP/2.0 2OO ok\r\n\r\n\u0000\u0001garbage"), from.port, from.address);
        return;
      }
      const reply = [
        "SIP/2.0 200 OK",
        h("Via"),
        `${h("From")}`,
        `${h("To")};tag=broken1`,
        h("Call-ID"),
        h("CSeq"),
        "Content-Length: 0",
        "",
        "",
      ].join("\r\n");
      bad.send(Buffer.from(reply), from.port, from.address);
    });
    const trunkCc = new SipCallControl({
      srf: srfForTests,
      engine: engineForTests,
      agents,
      trunks: [TrunkConfig.parse({ id: "bad", uri: `sip:127.0.0.1:${bad.address().port}` })],
      mediaHost: "127.0.0.1",
      analysisFor: () => standInAnalysis(),
      maxDetectMs: 4_000,
      callIdPrefix: "cc-bad-",
      messageFile: () => null,
      log,
    });
    const seen: CallControlEvent[] = [];
    trunkCc.onEvent((e) => seen.push(e));
    try {
      trunkCc.originate({
        attemptId: "garbage-1",
        campaignId: "c1",
        phone: "+8613800000007",
        callerId: "+8657100000000",
        ringTimeoutS: 2,
        amd: true,
      });
      trunkCc.originate({
        attemptId: "nocontact-1",
        campaignId: "c1",
        phone: "+8613800000008",
        callerId: "+8657100000000",
        ringTimeoutS: 2,
        amd: true,
      });
      const end = (id: string) =>
        waitFor(() => seen.find((e) => e.attemptId === id && (e.type === "failed" || e.type === "hungup")));
      expect(await end("garbage-1")).toMatchObject({
        type: "failed",
        cause: "no_answer",
        detail: "ring_timeout",
      });
      expect(await end("nocontact-1")).toMatchObject({ type: "failed", cause: "network" });
      // The service is unharmed: the good trunk still dials.
      const next = dial("+8613800000002");
      expect(await final(next)).toMatchObject({ cause: "busy" });
    } finally {
      bad.close();
    }
  });

  it("refuses an agent phone with a wrong password", async () => {
    const err = await phones
      .agentPhone(mediaSipUri, { username: "agent-9", password: "wrong-password-123" })
      .catch((e: unknown) => e);
    expect((err as { status?: number }).status).toBe(403);
    expect(agents.get("agent-9")).toBeUndefined();
  });
});

/** 16-bit mono 8 kHz WAV for rtpengine's player. */
function wav(pcm: Int16Array): Buffer {
  const data = Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength);
  const h = Buffer.alloc(44);
  h.write("RIFF", 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write("WAVEfmt ", 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(8000, 24);
  h.writeUInt32LE(16000, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write("data", 36);
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}
