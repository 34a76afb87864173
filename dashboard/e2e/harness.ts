import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { createClickHouse, migrate } from "@cc/analytics";
import {
  type ClickHouseHost,
  freePort,
  type ManagedProcess,
  type NatsServer,
  type RedisServer,
  repoRoot,
  spawnManaged,
  startClickHouseHost,
  startNats,
  startRedis,
} from "@cc/infra";
import {
  connectNats,
  type EventFields,
  ensureStreams,
  makeEvent,
  publishEvent,
  type SinkHandle,
  sinkConfigFromEnv,
  startSink,
} from "@cc/ingest";
import type { ClickHouseClient } from "@clickhouse/client";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { type Browser, chromium, type Page } from "playwright-core";
import { createClient } from "redis";

export const SCREENSHOTS = path.join(repoRoot, "test-artifacts/screenshots");
const BUILD = path.join(repoRoot, "dashboard/build/index.js");

export interface Stack {
  nats: NatsServer;
  redisServer: RedisServer;
  ch: ClickHouseHost;
  chClient: ClickHouseClient;
  nc: NatsConnection;
  redis: ReturnType<typeof createClient>;
  sink: SinkHandle;
  dashboard: ManagedProcess;
  url: string;
  adminPassword: string;
  publish(fields: EventFields, at?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The whole stack on free loopback ports: nats, redis, the ClickHouse host (migrated), the
 * ingest sink, and the built dashboard (which runs the live-state projector).
 */
/**
 * A time zone in which it is about noon now, so "today" on the wallboard never straddles
 * local midnight while a test runs (Etc/GMT-N means UTC+N).
 */
export function noonTimeZone(now = new Date()): string {
  const offset = 12 - now.getUTCHours();
  return offset === 0 ? "Etc/GMT" : `Etc/GMT${offset > 0 ? "-" : "+"}${Math.abs(offset)}`;
}

export async function startStack(extraEnv: Record<string, string> = {}): Promise<Stack> {
  if (!existsSync(BUILD)) throw new Error("dashboard/build missing: run `npm run build -w dashboard` first");
  await mkdir(SCREENSHOTS, { recursive: true });
  const [nats, redisServer, ch] = await Promise.all([startNats(), startRedis(), startClickHouseHost()]);
  const chClient = createClickHouse({
    url: ch.url,
    username: ch.writer.username,
    password: ch.writer.password,
  });
  await migrate(chClient);
  const nc = await connectNats(nats.url);
  await ensureStreams(await jetstreamManager(nc));
  const sink = await startSink(
    sinkConfigFromEnv({
      NATS_URL: nats.url,
      CLICKHOUSE_URL: ch.url,
      CLICKHOUSE_USER: ch.writer.username,
      CLICKHOUSE_PASSWORD: ch.writer.password,
      SINK_HTTP_PORT: "0",
      SINK_BATCH_MS: "50",
      LOG_LEVEL: "warn",
    }),
  );
  const redis = createClient({ url: redisServer.url }) as unknown as ReturnType<typeof createClient>;
  await redis.connect();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let adminPassword = "";
  const dashboard = await spawnManaged({
    name: "dashboard",
    command: process.execPath,
    args: [BUILD],
    env: {
      ...process.env,
      HOST: "127.0.0.1",
      PORT: String(port),
      ORIGIN: url,
      CLICKHOUSE_URL: ch.url,
      CLICKHOUSE_USER: ch.writer.username,
      CLICKHOUSE_PASSWORD: ch.writer.password,
      CLICKHOUSE_ANALYST_USER: ch.analyst.username,
      CLICKHOUSE_ANALYST_PASSWORD: ch.analyst.password,
      CLICKHOUSE_ORG_ANALYST_SECRET: ch.orgAnalystSecret,
      REDIS_URL: redisServer.url,
      NATS_URL: nats.url,
      CC_ORG: "demo",
      DASHBOARD_METRICS_KEY: "metrics-key-for-tests-0123456789",
      SHUTDOWN_TIMEOUT: "3",
      CC_TIMEZONE: noonTimeZone(),
      ...extraEnv,
    },
    ready: async () => (await fetch(`${url}/health`)).ok,
    readyTimeoutMs: 60_000,
    onLine: (line) => {
      const m = line.match(/"one_time_password":"([^"]+)"/);
      if (m) adminPassword = m[1]!;
    },
  });
  const js = jetstream(nc);
  return {
    nats,
    redisServer,
    ch,
    chClient,
    nc,
    redis,
    sink,
    dashboard,
    url,
    get adminPassword() {
      return adminPassword;
    },
    async publish(fields, at = Date.now()) {
      await publishEvent(js, makeEvent(fields, at));
    },
    async stop() {
      await dashboard.stop();
      await sink.stop();
      await redis.quit();
      await nc.close();
      await chClient.close();
      await Promise.allSettled([ch.stop(), redisServer.stop(), nats.stop()]);
    },
  };
}

/** Headless Chromium; `extraArgs` adds switches (fake media devices for the softphone test). */
export async function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  return await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      ...extraArgs,
    ],
  });
}

export async function login(page: Page, base: string, username: string, password: string): Promise<void> {
  // Wait for hydration so the click is not lost to a page swap, then for the session cookie.
  await page.goto(`${base}/login`, { waitUntil: "networkidle" });
  await page.fill('form.panel input[name="username"]', username);
  await page.fill('form.panel input[name="password"]', password);
  await page.click('form.panel button[type="submit"]');
  try {
    await until(
      async () => (await page.context().cookies(base)).some((c) => c.name === "cc_session"),
      (ok) => ok,
      `session cookie for ${username}`,
    );
    await page.waitForURL((u) => !u.pathname.startsWith("/login"), { timeout: 15_000 });
    await page.waitForLoadState("networkidle");
  } catch (err) {
    await shot(page, `login-failed-${username}`);
    const alert = await page
      .locator('[role="alert"]')
      .textContent()
      .catch(() => null);
    throw new Error(`sign-in of ${username} failed at ${page.url()}: ${alert ?? "no alert"}`, { cause: err });
  }
}

export async function shot(page: Page, name: string): Promise<string> {
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export async function until<T>(
  read: () => Promise<T>,
  ok: (v: T) => boolean,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)?.slice(0, 400)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
