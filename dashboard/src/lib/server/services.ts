import { type LiveStateProjector, startLiveStateProjector } from "@cc/analytics";
import { ensureDemoAgents } from "./auth/demo-agents.ts";
import { ensureAdmin } from "./auth/users.ts";
import { closeClickHouse } from "./clickhouse.ts";
import { config } from "./config.ts";
import { stopCustomers } from "./customers.ts";
import { log } from "./log.ts";
import { closeNats, nats } from "./nats.ts";
import { closeRedis, redis } from "./redis.ts";
import { startReportScheduler, stopReportScheduler } from "./report-exports.ts";
import { stopStreams } from "./streams.ts";
import { wallboard } from "./wallboard/ticker.ts";

let projector: LiveStateProjector | undefined;
let started = false;

/** Runs once per process when the server starts (Kit's `init` hook). */
export async function startServices(): Promise<void> {
  if (started) return;
  started = true;
  const cfg = config();
  const r = await redis();
  const oneTime = await ensureAdmin(r, cfg.CC_ORG);
  if (oneTime) {
    // Printed once, on the first start only; the admin must change it at first sign-in.
    log.warn(
      { username: "admin", one_time_password: oneTime },
      "created the admin user: sign in and change this password",
    );
  }
  if (cfg.DASHBOARD_DEMO_AGENTS.length && cfg.DASHBOARD_DEMO_AGENT_PASSWORD) {
    const created = await ensureDemoAgents(r, {
      org: cfg.CC_ORG,
      agents: cfg.DASHBOARD_DEMO_AGENTS,
      password: cfg.DASHBOARD_DEMO_AGENT_PASSWORD,
    });
    if (created) log.info({ created }, "created the simulated floor's agent accounts");
  }
  if (cfg.DASHBOARD_RUN_PROJECTOR) {
    projector = await startLiveStateProjector({ nats: await nats(), redis: r, log });
  }
  // Scheduled management reports (CSV/XLSX files per user), checked every minute.
  startReportScheduler();
  // SSE streams would hold the HTTP server open: end them as soon as shutdown begins.
  for (const sig of ["SIGTERM", "SIGINT"] as const)
    process.once(sig, () => {
      wallboard.stop();
      stopStreams();
    });
  process.once("sveltekit:shutdown" as "exit", () => void stopServices());
  log.info({ projector: cfg.DASHBOARD_RUN_PROJECTOR }, "dashboard services started");
}

export async function stopServices(): Promise<void> {
  stopStreams();
  stopReportScheduler();
  await projector?.stop();
  projector = undefined;
  await stopCustomers();
  await Promise.allSettled([closeNats(), closeRedis(), closeClickHouse()]);
  log.info("dashboard services stopped");
}
