import path from "node:path";
import { repoRoot } from "./launchers/clickhouse.ts";
import { spawnManaged } from "./launchers/process.ts";
import type { ServiceSpec } from "./services.ts";
import { type Incarnation, incarnationOf } from "./supervisor.ts";

/**
 * How the stack starts (and restarts) one of its Node services: the entry under this Node, its
 * env on top of `env`, ready once /health answers 200 on its port.
 */
export function serviceStarter(
  svc: ServiceSpec,
  env: NodeJS.ProcessEnv,
  onLine?: (line: string) => void,
): () => Promise<Incarnation> {
  return async () =>
    incarnationOf(
      await spawnManaged({
        name: svc.name,
        command: process.execPath,
        args: [path.join(repoRoot, svc.entry), ...(svc.args ?? [])],
        env: { ...env, ...svc.env },
        ready: async () => (await fetch(`http://127.0.0.1:${svc.port}${svc.healthPath ?? "/health"}`)).ok,
        readyTimeoutMs: svc.readyTimeoutMs ?? 60_000,
        ...(onLine ? { onLine } : {}),
      }),
    );
}
