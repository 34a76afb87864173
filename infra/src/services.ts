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

/** In start order: each service's dependencies come before it. */
export function services(cfg: StackConfig, secrets: StackSecrets): ServiceSpec[] {
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
      // Paces the campaigns listed in PACING_CAMPAIGNS through the call-control side
      // (dial commands on cc.cmd.dial.<campaign>); the demo campaign paces itself.
      name: "pacing",
      entry: "pacing/src/service/main.ts",
      port: cfg.PACING_HTTP_PORT,
      portEnv: "PACING_HTTP_PORT",
      env: {
        PACING_HTTP_PORT: String(cfg.PACING_HTTP_PORT),
        PACING_CAMPAIGNS: cfg.PACING_CAMPAIGNS,
      },
    },
    {
      name: "dashboard",
      entry: "dashboard/build/index.js",
      port: cfg.DASHBOARD_PORT,
      portEnv: "DASHBOARD_PORT",
      env: {
        HOST: "127.0.0.1",
        PORT: String(cfg.DASHBOARD_PORT),
        ORIGIN: `http://127.0.0.1:${cfg.DASHBOARD_PORT}`,
        CC_ORG: cfg.CC_ORG_ID,
        DASHBOARD_METRICS_KEY: secrets.metrics_api_key,
      },
    },
    {
      name: "demo-campaign",
      entry: "infra/src/demo.ts",
      port: cfg.DEMO_HTTP_PORT,
      portEnv: "DEMO_HTTP_PORT",
      enabled: cfg.DEMO_CAMPAIGN,
      env: {
        DEMO_HTTP_PORT: String(cfg.DEMO_HTTP_PORT),
        DEMO_AGENTS: String(cfg.DEMO_AGENTS),
        DEMO_SPEED: String(cfg.DEMO_SPEED),
      },
    },
  ];
}
