// Media service process: env config (zod), NATS + Redis + drachtio-server + rtpengine, /health,
// /metrics (API key), clean stop on SIGTERM/SIGINT (calls ended, phones released, events flushed).
import { readFileSync } from "node:fs";
import path from "node:path";
import type { LiveRedis } from "@cc/analytics";
import { ApiKeyRing, connectNats, runService, startOpsServer } from "@cc/ingest";
import Srf from "drachtio-srf";
import type { Logger } from "pino";
import client from "prom-client";
import { createClient } from "redis";
import { loadFingerprintDb } from "../cpa/announcements.ts";
import { Rtpengine } from "../engine/rtpengine.ts";
import { loadInboundConfig } from "../inbound/config.ts";
import { inboundMetrics } from "../inbound/metrics.ts";
import { recordingMetrics } from "../recording/metrics.ts";
import { loadMediaConfig, type MediaConfig } from "./config.ts";
import { mediaMetrics } from "./metrics.ts";
import { startMediaService } from "./service.ts";

/** Connects to drachtio-server, waiting for it to come up (drachtio-srf keeps retrying). */
export async function connectSwitch(
  opts: { host: string; port: number; secret: string },
  log: Logger,
  timeoutMs = 30_000,
): Promise<Srf> {
  const srf = new Srf();
  srf.on("error", (err) => log.debug({ err: err.message }, "drachtio connection error"));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(new Error(`drachtio-server at ${opts.host}:${opts.port} not reachable in ${timeoutMs} ms`)),
      timeoutMs,
    );
    srf.on("connect", (err) => {
      if (err) {
        clearTimeout(timer);
        reject(new Error(`drachtio-server refused us: ${err.message} (check DRACHTIO_SECRET)`));
        return;
      }
      clearTimeout(timer);
      resolve();
    });
    srf.connect({ ...opts, reconnect: { retryMaxDelay: 2_000 } } as Parameters<Srf["connect"]>[0]);
  });
  return srf;
}

await runService({
  name: "media",
  loadConfig: () => loadMediaConfig(),
  start: async ({ env, trunks, campaigns }: MediaConfig, log) => {
    const registry = new client.Registry();
    client.collectDefaultMetrics({ register: registry });
    const metrics = mediaMetrics(registry);
    const nc = await connectNats(env.NATS_URL, { name: "media" });
    const redis = createClient({ url: env.REDIS_URL }) as unknown as LiveRedis;
    // Logged once per outage (redis-server restarting); the client reconnects on its own.
    let redisDown = false;
    redis.on("error", (err: Error) => {
      if (!redisDown) log.warn({ err: err.message }, "redis unavailable; reconnecting");
      redisDown = true;
    });
    redis.on("ready", () => {
      if (redisDown) log.info("redis back");
      redisDown = false;
    });
    await redis.connect();
    const engine = new Rtpengine({ host: env.RTPENGINE_HOST, port: env.RTPENGINE_NG_PORT });
    const srf = await connectSwitch(
      { host: env.DRACHTIO_HOST, port: env.DRACHTIO_PORT, secret: env.DRACHTIO_SECRET },
      log,
    );
    const svc = await startMediaService({
      nc,
      redis,
      srf,
      engine,
      orgId: env.CC_ORG_ID,
      instance: env.MEDIA_INSTANCE,
      mediaHost: env.MEDIA_RTP_HOST,
      sipSecret: env.MEDIA_SIP_SECRET,
      realm: env.MEDIA_SIP_REALM,
      trunks,
      campaigns,
      fingerprints: env.MEDIA_FINGERPRINTS
        ? loadFingerprintDb(readFileSync(env.MEDIA_FINGERPRINTS, "utf8"))
        : null,
      maxDetectMs: env.MEDIA_MAX_DETECT_MS,
      ...(env.MEDIA_ABANDON_MESSAGE ? { defaultAbandonMessage: env.MEDIA_ABANDON_MESSAGE } : {}),
      log,
      metrics,
      // MEDIA_INBOUND (JSON) or MEDIA_INBOUND_FILE: numbers, IVR menus, ACD queues (media/src/inbound).
      inbound: loadInboundConfig(),
      inboundMetrics: inboundMetrics(registry),
      ...(env.CC_DATA_DIR ? { inboundDataDir: path.join(env.CC_DATA_DIR, "inbound", env.CC_ORG_ID) } : {}),
      ...(env.MEDIA_RECORDING === "on" && env.MEDIA_RECORDING_SPOOL && env.CC_DATA_DIR
        ? {
            recording: {
              spoolDir: env.MEDIA_RECORDING_SPOOL,
              dataDir: env.CC_DATA_DIR,
              retentionDays: env.MEDIA_RECORDING_RETENTION_DAYS,
              metrics: recordingMetrics(registry),
            },
          }
        : {}),
    });
    metrics.watch(svc);
    const ops = await startOpsServer({
      host: "127.0.0.1",
      port: env.MEDIA_HTTP_PORT,
      registry,
      keys: new ApiKeyRing(
        env.METRICS_API_KEY ? [{ key: env.METRICS_API_KEY, org_id: env.CC_ORG_ID, name: "metrics" }] : [],
      ),
      health: async () => ({ ...svc.health(), nats: !nc.isClosed() }),
    });
    log.info(
      { port: env.MEDIA_HTTP_PORT, trunks: trunks.map((t) => t.id), campaigns: campaigns.map((c) => c.id) },
      "media service up",
    );
    return {
      stop: async () => {
        await ops.close();
        await svc.stop();
        engine.close();
        try {
          srf.disconnect();
        } catch {
          // drachtio already gone
        }
        await nc.drain();
        await redis.quit();
      },
    };
  },
});
