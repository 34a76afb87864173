// `npm start`: the whole stack on one box. Local nats-server, redis-server and the embedded
// ClickHouse host (unless *_URL points elsewhere), migrations, then every service as a child
// process. Every server and service is supervised: one that exits is started again after a
// backoff while the rest keeps running (supervisor.ts). Ctrl-C (or SIGTERM) stops everything in
// reverse order, with no restarts; data stays in CC_DATA_DIR.
import { type SpawnSyncOptions, spawnSync } from "node:child_process";
import { readdir, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createClickHouse, migrate, orgAnalystCredentials } from "@cc/analytics";
import { connectNats, ensureStreams, jetStreamFor } from "@cc/ingest";
import { pino } from "pino";
import { ConfigError, loadStackConfig, type StackConfig } from "./config.ts";
import { seedDemoHistoryOnFirstStart } from "./demo-history.ts";
import { importDemoList } from "./demo-list.ts";
import { natsUsers, redisUsers, serviceUrls } from "./identities.ts";
import { serviceStarter } from "./launch-service.ts";
import { repoRoot, startClickHouseHost } from "./launchers/clickhouse.ts";
import { natsUrlWithCredentials, startNats } from "./launchers/nats.ts";
import { assertPortFree, LauncherError } from "./launchers/process.ts";
import { redisUrlWithCredentials, startRedis } from "./launchers/redis.ts";
import { createLineFormatter, type LogFormat, logFormatFor } from "./log-format.ts";
import { loadOrCreateSecrets, type StackSecrets } from "./secrets.ts";
import { services } from "./services.ts";
import { type StackStatusPublisher, startStackStatus } from "./stack-status.ts";
import { incarnationOf, Supervisor } from "./supervisor.ts";
import { DEMO_CAMPAIGN_ID, startTelephony } from "./telephony.ts";

// Pretty lines for a person at a terminal, JSON lines otherwise (log-format.ts; LOG_FORMAT decides).
let format: LogFormat = logFormatFor(process.env.LOG_FORMAT, process.stdout.isTTY === true);
const pretty = createLineFormatter({
  color: process.stdout.isTTY === true && process.stdout.hasColors() && !process.env.NO_COLOR,
});
const writeOut = (line: string | null) => {
  if (line !== null) process.stdout.write(`${line}\n`);
};
const stackLog = () =>
  format === "pretty"
    ? pino({ name: "stack" }, { write: (line: string) => void writeOut(pretty("stack", line.trimEnd())) })
    : pino({ name: "stack" });
let log = stackLog();

let status: StackStatusPublisher | undefined;
const supervisor = new Supervisor({
  // The logger is replaced once .env is read (LOG_FORMAT may be set there).
  log: { info: (o, m) => log.info(o, m), warn: (o, m) => log.warn(o, m), error: (o, m) => log.error(o, m) },
  onChange: (all) => status?.publish(all),
});
let stopped: Promise<void> | undefined;

/**
 * Child output. JSON: pino lines pass through, anything else is wrapped so the log stays JSON.
 * Pretty: one short line per entry under the service's name.
 */
function forward(service: string) {
  return (line: string) => {
    if (format === "pretty") writeOut(pretty(service, line));
    else if (line.startsWith("{")) process.stdout.write(`${line}\n`);
    else log.info({ service }, line);
  };
}

/** One shutdown however many ask for it; every caller waits until everything has stopped. */
async function shutdown(reason: string, code: number): Promise<never> {
  stopped ??= (async () => {
    log.info({ reason }, "stopping the stack");
    await status?.close();
    status = undefined;
    await supervisor.stopAll();
  })();
  await stopped;
  process.exit(code);
}

async function startInfra(cfg: StackConfig, secrets: StackSecrets) {
  const dataDir = cfg.CC_DATA_DIR;
  let natsUrl = cfg.NATS_URL;
  if (!natsUrl) {
    await assertPortFree(cfg.NATS_PORT, "NATS_PORT");
    await assertPortFree(cfg.NATS_MONITOR_PORT, "NATS_MONITOR_PORT");
    const opts = {
      port: cfg.NATS_PORT,
      monitorPort: cfg.NATS_MONITOR_PORT,
      dataDir: path.join(dataDir, "nats"),
      onLine: forward("nats-server"),
      // Authorization on: each service its own user and subjects (identities.ts).
      users: natsUsers(secrets.nats_passwords, { orgId: cfg.CC_ORG_ID }),
    };
    // Restarted on the same port and store dir: JetStream picks up where it was.
    await supervisor.add("nats-server", async () => {
      const nats = await startNats(opts);
      return incarnationOf(nats.process, nats.stop);
    });
    natsUrl = `nats://127.0.0.1:${cfg.NATS_PORT}`;
    // Streams are set up here, as the stack: the services' identities may only read their info.
    await ensureStreamsAs(natsUrlWithCredentials(natsUrl, "stack", secrets.nats_passwords.stack));
  }
  let redisUrl = cfg.REDIS_URL;
  if (!redisUrl) {
    await assertPortFree(cfg.REDIS_PORT, "REDIS_PORT");
    const opts = {
      port: cfg.REDIS_PORT,
      dataDir: path.join(dataDir, "redis"),
      users: redisUsers(secrets.redis_passwords),
      adminPassword: secrets.redis_admin_password,
    };
    await supervisor.add("redis-server", async () => {
      const redis = await startRedis(opts);
      return incarnationOf(redis.process, redis.stop);
    });
    redisUrl = `redis://127.0.0.1:${cfg.REDIS_PORT}`;
  }
  let clickhouse = {
    url: cfg.CLICKHOUSE_URL ?? "",
    writer: { username: cfg.CLICKHOUSE_USER ?? "default", password: cfg.CLICKHOUSE_PASSWORD ?? "" },
    analyst: {
      username: cfg.CLICKHOUSE_ANALYST_USER ?? "analyst",
      password: cfg.CLICKHOUSE_ANALYST_PASSWORD ?? "",
    },
    migrator: {
      username: cfg.CLICKHOUSE_MIGRATOR_USER ?? cfg.CLICKHOUSE_USER ?? "default",
      password: cfg.CLICKHOUSE_MIGRATOR_PASSWORD ?? cfg.CLICKHOUSE_PASSWORD ?? "",
    },
    // A server of your own (CLICKHOUSE_URL): the refresher connects as the writer.
    refresher: undefined as { username: string; password: string } | undefined,
  };
  if (!cfg.CLICKHOUSE_URL) {
    await assertPortFree(cfg.CLICKHOUSE_PORT, "CLICKHOUSE_PORT");
    const opts = {
      port: cfg.CLICKHOUSE_PORT,
      dataDir: path.join(dataDir, "clickhouse"),
      writerPassword: secrets.clickhouse_writer_password,
      analystPassword: secrets.clickhouse_analyst_password,
      // Least privilege: only the migrate step may change the schema; org analysts see their org.
      separateMigrator: true,
      migratorPassword: secrets.clickhouse_migrator_password,
      refresherPassword: secrets.clickhouse_refresher_password,
      orgAnalystSecret: secrets.clickhouse_org_analyst_secret,
      onLine: forward("clickhouse-host"),
      env: { LOG_LEVEL: cfg.LOG_LEVEL, METRICS_API_KEY: secrets.metrics_api_key },
    };
    let first: Awaited<ReturnType<typeof startClickHouseHost>> | undefined;
    await supervisor.add("clickhouse-host", async () => {
      const host = await startClickHouseHost(opts);
      first ??= host;
      return incarnationOf(host.process, host.stop);
    });
    if (!first) throw new Error("clickhouse-host did not start");
    clickhouse = {
      url: first.url,
      writer: first.writer,
      analyst: first.analyst,
      migrator: first.migrator,
      refresher: first.refresher,
    };
  }
  // Schema first: every service may assume the tables exist.
  const ch = createClickHouse({ url: clickhouse.url, ...clickhouse.migrator });
  try {
    const result = await migrate(ch);
    log.info({ applied: result.applied, skipped: result.skipped.length }, "migrations");
  } finally {
    await ch.close();
  }
  const launched = { nats: !cfg.NATS_URL, redis: !cfg.REDIS_URL };
  return { natsUrl, redisUrl, clickhouse, launched };
}

async function ensureStreamsAs(url: string): Promise<void> {
  const nc = await connectNats(url, { name: "cc-stack", maxReconnectAttempts: 0 });
  try {
    await ensureStreams((await jetStreamFor(nc)).jsm);
  } finally {
    await nc.close();
  }
}

/** Newest modification time under `dir` (skipping generated folders). */
async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (
      !entry.isFile() ||
      entry.parentPath.includes("node_modules") ||
      entry.parentPath.includes(".svelte-kit")
    ) {
      continue;
    }
    newest = Math.max(newest, (await stat(path.join(entry.parentPath, entry.name))).mtimeMs);
  }
  return newest;
}

/** The dashboard is the one part with a build step: build it when missing or older than its sources. */
async function ensureDashboardBuilt(): Promise<void> {
  const dashboard = path.join(repoRoot, "dashboard");
  const built = await stat(path.join(dashboard, "build/index.js")).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  const sources = Math.max(
    await newestMtime(path.join(dashboard, "src")),
    (await stat(path.join(dashboard, "vite.config.ts"))).mtimeMs,
  );
  if (built >= sources) return;
  log.info("building the dashboard (sources changed since the last build)");
  // Two builds of one directory at once break each other (two stacks, a build in another
  // terminal): the build holds a lock (flock from util-linux; without it, it builds unlocked).
  const build = [process.execPath, path.join(repoRoot, "node_modules/vite/bin/vite.js"), "build"];
  const opts: SpawnSyncOptions = { cwd: dashboard, stdio: ["ignore", "inherit", "inherit"] };
  let r = spawnSync("flock", [path.join(tmpdir(), "cc-dash.lock"), ...build], opts);
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") {
    r = spawnSync(build[0] as string, build.slice(1), opts);
  }
  if (r.status !== 0) throw new Error(`dashboard build failed (exit ${r.status})`);
}

function importDemoListInBackground(
  cfg: StackConfig,
  secrets: StackSecrets,
  infra: { natsUrl: string; redisUrl: string; launched: { nats: boolean; redis: boolean } },
  carrierNumbersJson: string,
): Promise<void> {
  // As the importer identity (a server the stack did not launch: its URL says how to log in).
  const redisAs = (user: string, password: string) =>
    infra.launched.redis ? redisUrlWithCredentials(infra.redisUrl, user, password) : infra.redisUrl;
  return importDemoList({
    dataDir: cfg.CC_DATA_DIR,
    orgId: cfg.CC_ORG_ID,
    campaignId: DEMO_CAMPAIGN_ID,
    carrierNumbers: JSON.parse(carrierNumbersJson) as Record<string, string[]>,
    natsUrl: infra.launched.nats
      ? natsUrlWithCredentials(infra.natsUrl, "importer", secrets.nats_passwords.importer)
      : infra.natsUrl,
    redisUrl: redisAs("importer", secrets.redis_passwords.importer),
    // Listing the sample's DNC numbers is the administrator's job, as a registry import would be.
    dncRedisUrl: redisAs("default", secrets.redis_admin_password),
    pacingHealthUrl: `http://127.0.0.1:${cfg.PACING_HTTP_PORT}/health`,
    log,
  }).then(
    () => undefined,
    (err: unknown) => log.warn({ err }, "demo list import failed"),
  );
}

async function main(): Promise<void> {
  const cfg = loadStackConfig();
  format = logFormatFor(cfg.LOG_FORMAT, process.stdout.isTTY === true);
  log = stackLog();
  const { secrets, created } = await loadOrCreateSecrets(cfg.CC_DATA_DIR);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(sig, () => void shutdown(sig, 0));

  await ensureDashboardBuilt();
  const infra = await startInfra(cfg, secrets);
  // The supervisor's view for the dashboard (wallboard health strip, /health), in Redis.
  status = await startStackStatus(
    infra.launched.redis
      ? redisUrlWithCredentials(infra.redisUrl, "stack", secrets.redis_passwords.stack)
      : infra.redisUrl,
    log,
  );
  status.publish(supervisor.statuses());
  const telephony = await startTelephony(cfg, secrets, supervisor, forward, (msg) => log.info(msg));
  const common: Record<string, string> = {
    NATS_URL: infra.natsUrl,
    REDIS_URL: infra.redisUrl,
    CLICKHOUSE_URL: infra.clickhouse.url,
    CLICKHOUSE_USER: infra.clickhouse.writer.username,
    CLICKHOUSE_PASSWORD: infra.clickhouse.writer.password,
    CLICKHOUSE_ANALYST_USER: infra.clickhouse.analyst.username,
    CLICKHOUSE_ANALYST_PASSWORD: infra.clickhouse.analyst.password,
    METRICS_API_KEY: secrets.metrics_api_key,
    CC_ORG_ID: cfg.CC_ORG_ID,
    CC_DATA_DIR: cfg.CC_DATA_DIR,
    LOG_LEVEL: cfg.LOG_LEVEL,
  };

  // The demo's sample lead list, imported into the demo campaign as soon as pacing listens (before
  // the floor's first web leads, so the campaign dials the list), report in the log; in the background.
  if (telephony.carrierNumbersJson)
    void importDemoListInBackground(cfg, secrets, infra, telephony.carrierNumbersJson);
  const runtime = {
    ...telephony,
    ...(infra.clickhouse.refresher ? { clickhouseRefresher: infra.clickhouse.refresher } : {}),
  };
  for (const svc of services(cfg, secrets, runtime)) {
    if (svc.enabled === false) {
      if (svc.name === "media")
        log.warn("no carrier trunk (MEDIA_TRUNKS) and no demo: the media service is not started");
      continue;
    }
    await assertPortFree(svc.port, svc.portEnv);
    // A service that dies on its own is started again (same port, same env); the rest keeps running.
    // Each service reaches NATS and Redis as its own identity (identities.ts); one without an
    // identity gets the bare URLs, which the stack's servers refuse.
    const own = serviceUrls(svc.name, { nats: infra.natsUrl, redis: infra.redisUrl }, infra.launched, {
      nats: secrets.nats_passwords,
      redis: secrets.redis_passwords,
    });
    const env = { ...process.env, ...common, ...own };
    await supervisor.add(svc.name, serviceStarter(svc, env, forward(svc.name)));
    log.info({ service: svc.name, port: svc.port }, "started");
  }

  // First start with the demo: a month of history for the reports, in the background.
  void seedDemoHistoryOnFirstStart(cfg, infra.clickhouse, log);
  // A tenant's analyst (rows of CC_ORG_ID only); the all-org analyst stays in secrets.json.
  const orgAnalyst = orgAnalystCredentials(secrets.clickhouse_org_analyst_secret, cfg.CC_ORG_ID);
  const banner = [
    "",
    "call center stack is up",
    `  dashboard         http://127.0.0.1:${cfg.DASHBOARD_PORT}`,
    `  lead/ad intake    http://127.0.0.1:${cfg.INTAKE_PORT}  (API key: ${secrets.intake_api_key})`,
    `  ClickHouse HTTP   ${infra.clickhouse.url}  (analyst of ${cfg.CC_ORG_ID}: ${orgAnalyst.username} / ${orgAnalyst.password})`,
    `  SIP (drachtio)    ${telephony.drachtio.sipUri}  (WebSocket ${telephony.drachtio.wsUrl})`,
    `  NATS              ${infra.natsUrl}${infra.launched.nats ? "  (a user per service: nats_passwords in secrets.json)" : ""}`,
    `  Redis             ${infra.redisUrl}${infra.launched.redis ? "  (an ACL user per service: redis_passwords in secrets.json)" : ""}`,
    `  data              ${cfg.CC_DATA_DIR}${created ? "  (new: credentials in secrets.json)" : ""}`,
    "  Ctrl-C stops everything",
    "",
  ];
  process.stderr.write(`${banner.join("\n")}\n`);
}

main().catch(async (err: unknown) => {
  if (stopped) {
    // Ctrl-C during start: the start in progress was cut short on purpose.
  } else if (err instanceof ConfigError || err instanceof LauncherError) {
    process.stderr.write(`\nnpm start: ${err.message}\n\n`);
  } else {
    log.error({ err }, "start failed");
  }
  await shutdown("start failed", 1);
});
