import type { StackConfig } from "./config.ts";
import type { StackSecrets } from "./secrets.ts";

/** One child process of the stack: a Node entry point with a /health endpoint on `port`. */
export interface ServiceSpec {
  name: string;
  entry: string;
  args?: string[];
  port: number;
  portEnv: string;
  env: Record<string, string>;
  healthPath?: string;
  readyTimeoutMs?: number;
  enabled?: boolean;
}

/** What the stack learned while starting its servers, which the services need. */
export interface StackRuntime {
  drachtio: { host: string; adminPort: number; secret: string; sipUri: string; wsUrl: string };
  /** `recordingDir`: rtpengine's pcap spool when it runs on this box (the media service records from it). */
  rtpengine: { host: string; ngPort: number; recordingDir?: string };
  /** JSON lists handed to pacing and media as CC_CAMPAIGNS and MEDIA_TRUNKS. */
  campaignsJson: string;
  trunksJson: string;
  /** Known carrier announcements and the default abandon message (demo media), when made. */
  fingerprints?: string;
  abandonMessage?: string;
  /** How the simulated carrier maps behaviours to numbers (JSON), for the floor's leads. */
  carrierNumbersJson?: string;
  /** The host's report refresher identity when the stack launched the host (else the writer). */
  clickhouseRefresher?: { username: string; password: string };
}

/** The simulated floor's agent accounts: the dashboard creates them, the floor signs in with them. */
export function demoAgents(count: number): { username: string; agent_id: string }[] {
  return Array.from({ length: count }, (_, i) => {
    const nn = String(i + 1).padStart(2, "0");
    return { username: `demo-agent-${nn}`, agent_id: `sim-agent-${nn}` };
  });
}

/** In start order: each service's dependencies come before it. */
export function services(cfg: StackConfig, secrets: StackSecrets, rt: StackRuntime): ServiceSpec[] {
  const dashboardUrl = `http://127.0.0.1:${cfg.DASHBOARD_PORT}`;
  const agents = JSON.stringify(demoAgents(cfg.DEMO_AGENTS));
  return [
    {
      name: "sink",
      entry: "ingest/src/sink/main.ts",
      port: cfg.SINK_HTTP_PORT,
      portEnv: "SINK_HTTP_PORT",
      env: { SINK_HTTP_PORT: String(cfg.SINK_HTTP_PORT) },
    },
    {
      name: "intake",
      entry: "ingest/src/intake/main.ts",
      port: cfg.INTAKE_PORT,
      portEnv: "INTAKE_PORT",
      env: {
        INTAKE_PORT: String(cfg.INTAKE_PORT),
        INTAKE_API_KEYS: JSON.stringify([
          { key: secrets.intake_api_key, org_id: cfg.CC_ORG_ID, name: "default" },
        ]),
      },
    },
    {
      // Places and bridges the calls: dial commands in, SIP through drachtio, media through rtpengine.
      name: "media",
      entry: "media/src/service/main.ts",
      port: cfg.MEDIA_HTTP_PORT,
      portEnv: "MEDIA_HTTP_PORT",
      // Without a carrier trunk there is nothing to dial through (start.ts says so).
      enabled: (JSON.parse(rt.trunksJson) as unknown[]).length > 0,
      env: {
        MEDIA_HTTP_PORT: String(cfg.MEDIA_HTTP_PORT),
        DRACHTIO_HOST: rt.drachtio.host,
        DRACHTIO_PORT: String(rt.drachtio.adminPort),
        DRACHTIO_SECRET: rt.drachtio.secret,
        RTPENGINE_HOST: rt.rtpengine.host,
        RTPENGINE_NG_PORT: String(rt.rtpengine.ngPort),
        MEDIA_SIP_SECRET: secrets.media_sip_secret,
        MEDIA_TRUNKS: rt.trunksJson,
        CC_CAMPAIGNS: rt.campaignsJson,
        ...(rt.fingerprints ? { MEDIA_FINGERPRINTS: rt.fingerprints } : {}),
        ...(rt.abandonMessage ? { MEDIA_ABANDON_MESSAGE: rt.abandonMessage } : {}),
        ...(rt.rtpengine.recordingDir ? { MEDIA_RECORDING_SPOOL: rt.rtpengine.recordingDir } : {}),
      },
    },
    {
      // Live state in Redis (agents, calls in flight, pacing decisions): pacing reads it, so it
      // starts before pacing and never depends on the dashboard.
      name: "projector",
      entry: "analytics/src/live-state/main.ts",
      port: cfg.PROJECTOR_HTTP_PORT,
      portEnv: "PROJECTOR_HTTP_PORT",
      env: { PROJECTOR_HTTP_PORT: String(cfg.PROJECTOR_HTTP_PORT) },
    },
    {
      // Paces every campaign in CC_CAMPAIGNS: dial commands for the media service on JetStream.
      name: "pacing",
      entry: "pacing/src/service/main.ts",
      port: cfg.PACING_HTTP_PORT,
      portEnv: "PACING_HTTP_PORT",
      env: { PACING_HTTP_PORT: String(cfg.PACING_HTTP_PORT), CC_CAMPAIGNS: rt.campaignsJson },
    },
    {
      // Keeps the funnel's and last-touch ROI's precomputes current (every 60 s by default), as
      // the host's refresher identity: only it may write those tables, and nothing else.
      name: "report-refresher",
      entry: "analytics/src/report-refresher/main.ts",
      port: cfg.REPORT_REFRESHER_HTTP_PORT,
      portEnv: "REPORT_REFRESHER_HTTP_PORT",
      env: {
        REPORT_REFRESHER_HTTP_PORT: String(cfg.REPORT_REFRESHER_HTTP_PORT),
        ...(rt.clickhouseRefresher
          ? {
              CLICKHOUSE_USER: rt.clickhouseRefresher.username,
              CLICKHOUSE_PASSWORD: rt.clickhouseRefresher.password,
            }
          : {}),
      },
    },
    {
      // Customers (公海/私海): holds back to the public pool at 10:00 org time, day-before
      // reminders, and the relay of the ownership rules' events from Redis to JetStream.
      name: "customers",
      entry: "customers/src/main.ts",
      port: cfg.CUSTOMERS_HTTP_PORT,
      portEnv: "CUSTOMERS_HTTP_PORT",
      env: { CUSTOMERS_HTTP_PORT: String(cfg.CUSTOMERS_HTTP_PORT) },
    },
    {
      name: "dashboard",
      entry: "dashboard/build/index.js",
      port: cfg.DASHBOARD_PORT,
      portEnv: "DASHBOARD_PORT",
      env: {
        HOST: "127.0.0.1",
        PORT: String(cfg.DASHBOARD_PORT),
        ORIGIN: dashboardUrl,
        CC_ORG: cfg.CC_ORG_ID,
        // The projector service keeps live state; the in-process one is for single-process dev.
        DASHBOARD_RUN_PROJECTOR: "0",
        DASHBOARD_METRICS_KEY: secrets.metrics_api_key,
        // The SQL page runs as the signed-in user's org analyst (analyst.<org>).
        CLICKHOUSE_ORG_ANALYST_SECRET: secrets.clickhouse_org_analyst_secret,
        MEDIA_SIP_SECRET: secrets.media_sip_secret,
        MEDIA_SIP_WS_URL: rt.drachtio.wsUrl,
        // The lead import wizard: campaigns to import into (and a trial one, call_progress_only),
        // and uploads up to its own limit (IMPORT_MAX_MB) instead of adapter-node's 512 KB (also
        // the DNC/blacklist registry imports, streamed into Redis).
        CC_CAMPAIGNS: rt.campaignsJson,
        BODY_SIZE_LIMIT: "256M",
        ...(cfg.DEMO_CAMPAIGN
          ? {
              DASHBOARD_DEMO_AGENTS: agents,
              DASHBOARD_DEMO_AGENT_PASSWORD: secrets.demo_agent_password,
            }
          : {}),
      },
    },
    {
      // The simulated campaign: leads in, agents on SIP phones working the console.
      name: "floor",
      entry: "infra/src/floor/main.ts",
      port: cfg.DEMO_HTTP_PORT,
      portEnv: "DEMO_HTTP_PORT",
      enabled: cfg.DEMO_CAMPAIGN,
      env: {
        FLOOR_HTTP_PORT: String(cfg.DEMO_HTTP_PORT),
        FLOOR_AGENTS: agents,
        FLOOR_AGENT_PASSWORD: secrets.demo_agent_password,
        DASHBOARD_URL: dashboardUrl,
        MEDIA_SIP_URI: rt.drachtio.sipUri,
        MEDIA_SIP_SECRET: secrets.media_sip_secret,
        FLOOR_CARRIER_NUMBERS: rt.carrierNumbersJson ?? "{}",
      },
    },
  ];
}
