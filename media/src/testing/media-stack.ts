// A media service on real servers for integration tests: nats-server, redis-server, two
// drachtio-servers (ours, and one for the phones: carrier and agents) and rtpengine, all on free
// loopback ports, with the service itself running in-process so tests can look inside.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import type { LiveRedis } from "@cc/analytics";
import {
  type DrachtioServer,
  freePort,
  type ManagedProcess,
  type NatsServer,
  type RedisServer,
  type Rtpengine as RtpengineServer,
  repoRoot,
  spawnManaged,
  startDrachtio,
  startNats,
  startRedis,
  startRtpengine,
  tempDir,
} from "@cc/infra";
import {
  type CallCenterEvent,
  DialCommand,
  decodeEvent,
  type EventFields,
  ensureStreams,
  jetStreamFor,
  makeEvent,
  newEventId,
  publishDialCommand,
  publishEvent,
} from "@cc/ingest";
import { CampaignConfig } from "@cc/pacing";
import type { JetStreamClient } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type Srf from "drachtio-srf";
import { pino } from "pino";
import { createClient } from "redis";
import type { FingerprintDb } from "../cpa/announcements.ts";
import { wavBytes } from "../cpa/corpus/audio.ts";
import { Rtpengine } from "../engine/rtpengine.ts";
import { InboundConfig, type InboundConfigInput } from "../inbound/config.ts";
import { tone } from "../rtp/endpoint.ts";
import { type MediaService, startMediaService } from "../service/service.ts";
import { agentSipCredentials } from "../sip/credentials.ts";
import { TrunkConfig } from "../sip/trunks.ts";
import { type AgentPhone, PhoneSwitch } from "./phones.ts";
import { connectSwitchForTests } from "./switch.ts";
import { waitFor } from "./wait.ts";

export const ORG = "acme";
export const CAMPAIGN = "spring";
export const SIP_SECRET = "media-stack-sip-secret-123";

export interface MediaStack {
  /** The servers the stack started (absent when it joined existing ones). */
  nats?: NatsServer;
  redisServer?: RedisServer;
  natsUrl: string;
  redisUrl: string;
  org: string;
  campaignId: string;
  /** Replaced when a test restarts them (same ports, same secret). */
  media: DrachtioServer;
  phoneSide: DrachtioServer;
  engineServer: RtpengineServer;
  nc: NatsConnection;
  js: JetStreamClient;
  redis: LiveRedis;
  svc: MediaService;
  phones: PhoneSwitch;
  events: CallCenterEvent[];
  abandonMessageHz: number;
  /** Data dir recordings go to (recordings/<org>/<day>/), when `recording` is on. */
  recordingDataDir: string;
  /** Starts (or restarts) the service in-process against the same servers. */
  startService(): Promise<MediaService>;
  /** Runs the service as its own process instead (media/src/service/main.ts), for kill -9 tests. */
  spawnService(): Promise<ManagedProcess>;
  dial(over?: Partial<DialCommand>): Promise<DialCommand>;
  /** An agent with a phone on the switch, logged in and ready (as the console would say). */
  readyAgent(agentId: string): Promise<AgentPhone>;
  agentEvent(fields: EventFields): Promise<void>;
  of(attemptId: string): CallCenterEvent[];
  waitFor: typeof waitFor;
  stop(): Promise<void>;
}

export interface MediaStackOptions {
  campaign?: Partial<CampaignConfig>;
  /** Carrier trunks; default: one trunk to the phone switch (PhoneSwitch.carrier scripts). */
  trunks?: (phoneSide: DrachtioServer) => TrunkConfig[];
  fingerprints?: FingerprintDb | null;
  /** drachtio-server log level (use "notice" or quieter under load). */
  drachtioLogLevel?: "error" | "warning" | "notice" | "info";
  /** Start the service in-process (default) or leave it to the test (spawnService). */
  service?: "in-process" | "none";
  /** Longest analysis after answer before the verdict is "unknown" (default 5 s). */
  maxDetectMs?: number;
  /** rtpengine's media ports (default 2000: four per call, so about 500 calls). */
  enginePorts?: number;
  /** Join an existing NATS and Redis (e.g. a dashboard under test) instead of starting them. */
  external?: { natsUrl: string; redisUrl: string };
  org?: string;
  campaignId?: string;
  sipSecret?: string;
  realm?: string;
  /** The media service's SIP-over-WebSocket port (browsers), when it must be known in advance. */
  wsPort?: number;
  onEngineLine?: (line: string) => void;
  /** Record bridged calls (rtpengine's pcaps → WAV under `recordingDataDir`). */
  recording?: boolean | { retentionDays?: number; closeTimeoutMs?: number };
  /** Inbound numbers, menus and queues (media/src/inbound/config.ts), validated. */
  inbound?: InboundConfigInput;
}

export async function startMediaStack(opts: MediaStackOptions = {}): Promise<MediaStack> {
  const org = opts.org ?? ORG;
  const campaignId = opts.campaignId ?? CAMPAIGN;
  const sipSecret = opts.sipSecret ?? SIP_SECRET;
  const realm = opts.realm ?? "cc.test";
  const [nats, redisServer, media, phoneSide, engineServer] = await Promise.all([
    opts.external ? undefined : startNats(),
    opts.external ? undefined : startRedis(),
    startDrachtio({
      logLevel: opts.drachtioLogLevel ?? "notice",
      ...(opts.wsPort ? { wsPort: opts.wsPort } : {}),
    }),
    startDrachtio({ logLevel: opts.drachtioLogLevel ?? "notice" }),
    startRtpengine({
      logLevel: 4,
      ...(opts.enginePorts ? { portCount: opts.enginePorts } : {}),
      ...(opts.onEngineLine ? { onLine: opts.onEngineLine } : {}),
    }),
  ]);
  const natsUrl = opts.external?.natsUrl ?? nats!.url;
  const redisUrl = opts.external?.redisUrl ?? redisServer!.url;
  const nc = await connect({ servers: natsUrl });
  const { js, jsm } = await jetStreamFor(nc);
  await ensureStreams(jsm);
  const redis = createClient({ url: redisUrl }) as unknown as LiveRedis;
  await redis.connect();
  const dir = await tempDir("media-stack");
  const abandonMessageHz = 700;
  const abandon = path.join(dir, "abandon.wav");
  await writeFile(abandon, wavBytes(tone(abandonMessageHz, 3000)));
  const campaign = CampaignConfig.parse({
    id: campaignId,
    caller_id: "+8657100000000",
    window: { start: "00:00", end: "24:00" },
    abandon_message: abandon,
    ring_timeout_s: 15,
    ...opts.campaign,
  });
  const events: CallCenterEvent[] = [];
  nc.subscribe(`cc.events.${org}.>`, {
    callback: (_err, m) => {
      const r = decodeEvent(m.data);
      if (r.ok) events.push(r.event);
    },
  });
  const phones = await PhoneSwitch.connect({ adminPort: phoneSide.adminPort, secret: phoneSide.secret });
  const log = pino({ level: process.env.MEDIA_TEST_LOG ?? "silent" });
  let engine: Rtpengine | null = null;
  let srf: Srf | null = null;
  const stack: MediaStack = {
    ...(nats ? { nats } : {}),
    ...(redisServer ? { redisServer } : {}),
    natsUrl,
    redisUrl,
    org,
    campaignId,
    media,
    phoneSide,
    engineServer,
    nc,
    js,
    redis,
    svc: undefined as unknown as MediaService,
    phones,
    events,
    abandonMessageHz,
    recordingDataDir: path.join(dir, "data"),
    async startService() {
      engine = new Rtpengine({ host: "127.0.0.1", port: engineServer.ngPort, pingMs: 200 });
      srf = await connectSwitchForTests(media);
      stack.svc = await startMediaService({
        nc,
        redis: redis as never,
        srf,
        engine,
        orgId: org,
        instance: "t1",
        mediaHost: "127.0.0.1",
        sipSecret,
        realm,
        trunks: opts.trunks?.(phoneSide) ?? [TrunkConfig.parse({ id: "carrier", uri: phoneSide.sipUri })],
        campaigns: [campaign],
        fingerprints: opts.fingerprints ?? null,
        maxDetectMs: opts.maxDetectMs ?? 5_000,
        ...(opts.inbound
          ? { inbound: InboundConfig.parse(opts.inbound), inboundDataDir: path.join(dir, "inbound") }
          : {}),
        log,
        ...(opts.recording
          ? {
              recording: {
                spoolDir: engineServer.recordingDir,
                dataDir: stack.recordingDataDir,
                retentionDays: 90,
                ...(typeof opts.recording === "object" ? opts.recording : {}),
              },
            }
          : {}),
      });
      return stack.svc;
    },
    async spawnService() {
      const abandon = campaign.abandon_message;
      const httpPort = await freePort();
      return await spawnManaged({
        name: "media",
        command: process.execPath,
        args: [path.join(repoRoot, "media/src/service/main.ts")],
        env: {
          ...process.env,
          NATS_URL: natsUrl,
          REDIS_URL: redisUrl,
          CC_ORG_ID: org,
          DRACHTIO_PORT: String(stack.media.adminPort),
          DRACHTIO_SECRET: stack.media.secret,
          RTPENGINE_NG_PORT: String(stack.engineServer.ngPort),
          MEDIA_INSTANCE: "t1",
          MEDIA_SIP_SECRET: sipSecret,
          MEDIA_SIP_REALM: realm,
          MEDIA_TRUNKS: JSON.stringify(
            opts.trunks?.(phoneSide) ?? [TrunkConfig.parse({ id: "carrier", uri: phoneSide.sipUri })],
          ),
          CC_CAMPAIGNS: JSON.stringify([campaign]),
          MEDIA_HTTP_PORT: String(httpPort),
          LOG_LEVEL: process.env.MEDIA_TEST_LOG ?? "warn",
          ...(abandon ? { MEDIA_ABANDON_MESSAGE: abandon } : {}),
        },
        ready: async () => (await fetch(`http://127.0.0.1:${httpPort}/health`)).ok,
        readyTimeoutMs: 30_000,
      });
    },
    async dial(over = {}) {
      const now = Date.now();
      const cmd = DialCommand.parse({
        kind: "cmd.dial",
        attempt_id: newEventId(),
        org_id: org,
        campaign_id: campaignId,
        lead_id: `L${now.toString(36)}`,
        phone: "+8613800000001",
        caller_id: "+8657100000000",
        mode: "predictive",
        attempt_no: 1,
        decision_id: "d-test",
        consent: true,
        issued_at: new Date(now).toISOString(),
        expires_at: new Date(now + 10_000).toISOString(),
        ...over,
      });
      await publishDialCommand(js, cmd);
      return cmd;
    },
    async readyAgent(agentId) {
      const phone = await phones.agentPhone(media.sipUri, agentSipCredentials(sipSecret, org, agentId));
      await stack.waitFor(() => stack.svc.sessions.get(agentId));
      await stack.agentEvent({
        kind: "agent.login",
        org_id: org,
        agent_id: agentId,
        team_id: "t1",
        skills: [],
        campaign_id: campaignId,
      });
      await stack.agentEvent({
        kind: "agent.state_changed",
        org_id: org,
        agent_id: agentId,
        state: "ready",
        previous_state: "paused",
        previous_state_s: 1,
        campaign_id: campaignId,
      });
      await stack.waitFor(() => stack.svc.pool.get(agentId)?.state === "ready");
      return phone;
    },
    async agentEvent(fields) {
      await publishEvent(js, makeEvent(fields));
    },
    of: (attemptId) => events.filter((e) => "attempt_id" in e && e.attempt_id === attemptId),
    waitFor,
    async stop() {
      await stack.svc?.stop().catch(() => {});
      engine?.close();
      // Otherwise drachtio-srf retries the stopped server forever and the process never exits.
      srf?.disconnect();
      phones.close();
      await nc.drain().catch(() => {});
      await redis.quit().catch(() => {});
      await Promise.allSettled([
        media.stop(),
        phoneSide.stop(),
        engineServer.stop(),
        nats?.stop(),
        redisServer?.stop(),
      ]);
    },
  };
  if (opts.service !== "none") await stack.startService();
  return stack;
}
