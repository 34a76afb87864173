// Entry point of the embedded ClickHouse host: node analytics/src/host/main.ts
// (started by `npm start` and by @cc/infra's startClickHouseHost()).
import "./threadpool.ts";
import { mkdir } from "node:fs/promises";
import { pino } from "pino";
import { hostAccess } from "./access.ts";
import { loadHostEnv } from "./config.ts";
import { Engine } from "./engine.ts";
import { createHostServer } from "./server.ts";

async function main(): Promise<void> {
  let env: ReturnType<typeof loadHostEnv>;
  try {
    env = loadHostEnv();
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
  const logger = pino({ name: "clickhouse-host", level: env.CH_LOG_LEVEL });
  await mkdir(env.CH_DATA_DIR, { recursive: true });
  const engine = new Engine(env.CH_DATA_DIR, await hostAccess(env.CH_DATA_DIR), env.CH_SPARE_CONNECTIONS);
  const version = await engine.open();
  const { server, sessions, spool } = createHostServer({ env, engine, logger, serverVersion: version });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(env.CH_HOST_PORT, "127.0.0.1", () => resolve());
  }).catch((err: NodeJS.ErrnoException) => {
    const hint = err.code === "EADDRINUSE" ? ` (port ${env.CH_HOST_PORT} is taken; set CH_HOST_PORT)` : "";
    logger.fatal({ err }, `cannot listen on 127.0.0.1:${env.CH_HOST_PORT}${hint}`);
    process.exit(1);
  });
  logger.info({ port: env.CH_HOST_PORT, dataDir: env.CH_DATA_DIR, engine: version }, "clickhouse host ready");

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    sessions.closeAll();
    await engine.close();
    await spool.close();
    server.closeAllConnections();
    await closed;
    logger.info("clickhouse host stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

await main();
