// The telephony half of `npm start`: drachtio-server (SIP, incl. WebSocket for the console's
// softphone) and rtpengine (media, userspace) unless pointed elsewhere, the demo campaign's audio
// and simulated carrier, and the campaign and trunk lists the pacing and media services share.
import path from "node:path";
import { CampaignConfig, parseCampaigns } from "@cc/pacing";
import type { StackConfig } from "./config.ts";
import { type DemoCarrier, startDemoCarrier } from "./demo-carrier.ts";
import { startDrachtio } from "./launchers/drachtio.ts";
import { assertPortFree } from "./launchers/process.ts";
import { startRtpengine } from "./launchers/rtpengine.ts";
import { prepareDemoMedia } from "./media-assets.ts";
import type { StackSecrets } from "./secrets.ts";
import type { StackRuntime } from "./services.ts";
import { incarnationOf, type Supervisor } from "./supervisor.ts";

export const DEMO_CAMPAIGN_ID = "demo-campaign";

type Stack = Pick<Supervisor, "add" | "attach">;

export async function startTelephony(
  cfg: StackConfig,
  secrets: StackSecrets,
  running: Stack,
  forward: (service: string) => (line: string) => void,
  info: (msg: string) => void,
): Promise<Omit<StackRuntime, never>> {
  const drachtio = await switchFor(cfg, secrets, running, forward);
  const rtpengine = await engineFor(cfg, running, forward);
  const campaigns = parseCampaigns(cfg.CC_CAMPAIGNS);
  const trunks = parseTrunks(cfg.MEDIA_TRUNKS);
  let demo: { media: Awaited<ReturnType<typeof prepareDemoMedia>>; carrier: DemoCarrier } | null = null;
  if (cfg.DEMO_CAMPAIGN) {
    const media = await prepareDemoMedia(path.join(cfg.CC_DATA_DIR, "media"), info);
    const carrier = await startDemoCarrier({ audioDir: media.corpusDir, talkS: cfg.DEMO_TALK_SECONDS });
    running.attach("simulated carrier", carrier.stop);
    trunks.push(...carrier.trunks);
    campaigns.push(
      CampaignConfig.parse({
        id: DEMO_CAMPAIGN_ID,
        name: "示例外呼 Demo campaign",
        caller_id: "+8657100000000",
        profile: "CN",
        // The demo dials simulated numbers at any hour so the wallboard is alive whenever it runs.
        window: { start: "00:00", end: "24:00" },
        ring_timeout_s: 20,
        abandon_message: media.abandonMessage,
      }),
    );
    demo = { media, carrier };
  }
  return {
    drachtio,
    rtpengine,
    campaignsJson: JSON.stringify(campaigns),
    trunksJson: JSON.stringify(trunks),
    ...(demo
      ? {
          fingerprints: demo.media.fingerprints,
          abandonMessage: demo.media.abandonMessage,
          carrierNumbersJson: JSON.stringify(demo.carrier.numbers),
        }
      : {}),
  };
}

async function switchFor(
  cfg: StackConfig,
  secrets: StackSecrets,
  running: Stack,
  forward: (service: string) => (line: string) => void,
): Promise<StackRuntime["drachtio"]> {
  if (cfg.DRACHTIO_HOST) {
    if (!cfg.DRACHTIO_SECRET) throw new Error("DRACHTIO_HOST is set: set DRACHTIO_SECRET too");
    return {
      host: cfg.DRACHTIO_HOST,
      adminPort: cfg.DRACHTIO_ADMIN_PORT,
      secret: cfg.DRACHTIO_SECRET,
      sipUri: `sip:${cfg.DRACHTIO_HOST}:${cfg.DRACHTIO_SIP_PORT}`,
      wsUrl: `ws://${cfg.DRACHTIO_HOST}:${cfg.DRACHTIO_WS_PORT}`,
    };
  }
  await assertPortFree(cfg.DRACHTIO_ADMIN_PORT, "DRACHTIO_ADMIN_PORT");
  await assertPortFree(cfg.DRACHTIO_SIP_PORT, "DRACHTIO_SIP_PORT");
  await assertPortFree(cfg.DRACHTIO_WS_PORT, "DRACHTIO_WS_PORT");
  const opts = {
    adminPort: cfg.DRACHTIO_ADMIN_PORT,
    sipPort: cfg.DRACHTIO_SIP_PORT,
    wsPort: cfg.DRACHTIO_WS_PORT,
    secret: secrets.drachtio_secret,
    logLevel: cfg.LOG_LEVEL === "debug" || cfg.LOG_LEVEL === "trace" ? "info" : "warning",
    dataDir: path.join(cfg.CC_DATA_DIR, "drachtio"),
    onLine: forward("drachtio-server"),
  } as const;
  // Restarted on the same ports with the same secret: the media service's drachtio-srf reconnects.
  await running.add("drachtio-server", async () => {
    const d = await startDrachtio(opts);
    return incarnationOf(d.process, d.stop);
  });
  return {
    host: "127.0.0.1",
    adminPort: opts.adminPort,
    secret: opts.secret,
    sipUri: `sip:127.0.0.1:${opts.sipPort}`,
    wsUrl: `ws://127.0.0.1:${opts.wsPort}`,
  };
}

async function engineFor(
  cfg: StackConfig,
  running: Stack,
  forward: (service: string) => (line: string) => void,
): Promise<StackRuntime["rtpengine"]> {
  if (cfg.RTPENGINE_HOST) return { host: cfg.RTPENGINE_HOST, ngPort: cfg.RTPENGINE_NG_PORT };
  const opts = {
    ngPort: cfg.RTPENGINE_NG_PORT,
    portMin: cfg.RTPENGINE_PORT_MIN,
    portMax: cfg.RTPENGINE_PORT_MIN + 1_999,
    logLevel: cfg.LOG_LEVEL === "debug" || cfg.LOG_LEVEL === "trace" ? 6 : 4,
    // rtpengine's pcap spool; the media service turns each call's pcap into recordings/<org>/….
    recordingDir: path.join(cfg.CC_DATA_DIR, "rtpengine-spool"),
    onLine: forward("rtpengine"),
  };
  // Restarted on the same NG and media ports (calls in flight at the crash are lost).
  await running.add("rtpengine", async () => {
    const e = await startRtpengine(opts);
    return incarnationOf(e.process, e.stop);
  });
  return { host: "127.0.0.1", ngPort: opts.ngPort, recordingDir: opts.recordingDir };
}

function parseTrunks(json: string): unknown[] {
  try {
    const v = JSON.parse(json) as unknown;
    if (Array.isArray(v)) return v;
  } catch {
    // reported below
  }
  throw new Error("MEDIA_TRUNKS must be a JSON list of trunks (see media/README.md)");
}
