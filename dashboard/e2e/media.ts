// The media side of the console's softphone for browser tests: drachtio-server for the media
// service (SIP over WebSocket for the browser), a second drachtio-server for the carrier
// (PhoneSwitch), rtpengine, and the media service itself in-process, all on free loopback ports
// and wired to the NATS and Redis the dashboard under test uses.
import { execFileSync } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import {
  type DrachtioServer,
  freePort,
  type Rtpengine as RtpengineServer,
  startDrachtio,
  startRtpengine,
  tempDir,
} from "@cc/infra";
import {
  type CallCenterEvent,
  DialCommand,
  decodeEvent,
  jetStreamFor,
  newEventId,
  publishDialCommand,
} from "@cc/ingest";
import { type MediaService, Rtpengine, startMediaService, TrunkConfig } from "@cc/media";
import { connectSwitchForTests, PhoneSwitch } from "@cc/media/testing";
import { CampaignConfig } from "@cc/pacing";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { pino } from "pino";
import { createClient } from "redis";

export interface MediaSide {
  /** drachtio-server of the media service (the browser's SIP over WebSocket lands here). */
  media: DrachtioServer;
  /** drachtio-server of the carrier (PhoneSwitch). */
  phoneSide: DrachtioServer;
  engineServer: RtpengineServer;
  engine: Rtpengine;
  svc: MediaService;
  phones: PhoneSwitch;
  nc: NatsConnection;
  /** Every event on cc.events.<org>.> since the start. */
  events: CallCenterEvent[];
  /** rtpengine's log lines (for failure reports). */
  engineLog: string[];
  of(attemptId: string): CallCenterEvent[];
  dial(over?: Partial<DialCommand>): Promise<DialCommand>;
  stop(): Promise<void>;
}

export interface MediaSideOptions {
  natsUrl: string;
  redisUrl: string;
  org: string;
  campaign: string;
  sipSecret: string;
  realm: string;
  /** The WebSocket port the dashboard was told about (MEDIA_SIP_WS_URL), picked before it started. */
  wsPort: number;
}

/** A free TCP port for drachtio's WebSocket listener, known before the dashboard starts. */
export const freeWsPort = freePort;

/** Speech from espeak-ng as 8 kHz 16-bit PCM (sox band-limits it to the telephone band). */
export function speech(text: string, voice = "cmn"): Int16Array {
  const wav = execFileSync("espeak-ng", ["-v", voice, "-s", "165", "-p", "50", "--stdout", text], {
    maxBuffer: 64 << 20,
  });
  const raw = execFileSync(
    "sox",
    ["-D", "-t", "wav", "-", "-t", "raw", "-r", "8000", "-e", "signed-integer", "-b", "16", "-c", "1", "-"],
    { input: wav, maxBuffer: 64 << 20 },
  );
  return new Int16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
}

export function silence(ms: number): Int16Array {
  return new Int16Array(Math.round(ms * 8));
}

export function concatPcm(...parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A 16-bit mono WAV of a sine tone (Chromium's fake microphone plays it in a loop). */
export function toneWav(hz: number, seconds: number, rate = 48_000, amplitude = 8000): Buffer {
  const n = rate * seconds;
  const data = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) {
    data.writeInt16LE(Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / rate)), i * 2);
  }
  const h = Buffer.alloc(44);
  h.write("RIFF", 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write("WAVE", 8);
  h.write("fmt ", 12);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write("data", 36);
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

export async function startMediaSide(o: MediaSideOptions): Promise<MediaSide> {
  const engineLog: string[] = [];
  const [media, phoneSide, engineServer] = await Promise.all([
    startDrachtio({ logLevel: "notice", wsPort: o.wsPort }),
    startDrachtio({ logLevel: "notice" }),
    startRtpengine({
      logLevel: Number(process.env.RTPENGINE_LOG_LEVEL ?? 5),
      onLine: (l) => {
        engineLog.push(l);
        if (engineLog.length > 5000) engineLog.shift();
      },
    }),
  ]);
  const nc = await connect({ servers: o.natsUrl, name: "media-under-test" });
  await jetStreamFor(nc);
  const redis = createClient({ url: o.redisUrl });
  await redis.connect();
  const events: CallCenterEvent[] = [];
  nc.subscribe(`cc.events.${o.org}.>`, {
    callback: (_err, m) => {
      const r = decodeEvent(m.data);
      if (r.ok) events.push(r.event);
    },
  });
  const dir = await tempDir("softphone-media");
  const abandon = path.join(dir, "abandon.wav");
  await writeFile(abandon, toneWav(700, 3, 8000));
  const campaign = CampaignConfig.parse({
    id: o.campaign,
    caller_id: "+8657100000000",
    window: { start: "00:00", end: "24:00" },
    abandon_message: abandon,
    ring_timeout_s: 15,
  });
  const phones = await PhoneSwitch.connect({ adminPort: phoneSide.adminPort, secret: phoneSide.secret });
  const engine = new Rtpengine({ host: "127.0.0.1", port: engineServer.ngPort, pingMs: 200 });
  const srf = await connectSwitchForTests(media);
  const svc = await startMediaService({
    nc,
    redis: redis as never,
    srf,
    engine,
    orgId: o.org,
    instance: "e2e",
    mediaHost: "127.0.0.1",
    sipSecret: o.sipSecret,
    realm: o.realm,
    trunks: [TrunkConfig.parse({ id: "carrier", uri: phoneSide.sipUri })],
    campaigns: [campaign],
    fingerprints: null,
    maxDetectMs: 5_000,
    log: pino({ level: process.env.MEDIA_TEST_LOG ?? "silent" }),
  });
  const { js } = await jetStreamFor(nc);
  return {
    media,
    phoneSide,
    engineServer,
    engine,
    svc,
    phones,
    nc,
    events,
    engineLog,
    of: (attemptId) => events.filter((e) => "attempt_id" in e && e.attempt_id === attemptId),
    async dial(over = {}) {
      const now = Date.now();
      const cmd = DialCommand.parse({
        kind: "cmd.dial",
        attempt_id: newEventId(),
        org_id: o.org,
        campaign_id: o.campaign,
        lead_id: `L${now.toString(36)}`,
        phone: "+8613800000001",
        caller_id: "+8657100000000",
        mode: "predictive",
        attempt_no: 1,
        decision_id: "d-e2e",
        consent: true,
        issued_at: new Date(now).toISOString(),
        expires_at: new Date(now + 10_000).toISOString(),
        ...over,
      });
      await publishDialCommand(js, cmd);
      return cmd;
    },
    async stop() {
      await svc.stop().catch(() => {});
      engine.close();
      phones.close();
      try {
        srf.disconnect();
      } catch {
        // already gone
      }
      await nc.drain().catch(() => {});
      await redis.quit().catch(() => {});
      await Promise.allSettled([media.stop(), phoneSide.stop(), engineServer.stop()]);
    },
  };
}
