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
  ];
}
