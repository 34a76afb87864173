// Runnable sink: `node ingest/src/sink/main.ts` (env: see config.ts). SIGTERM/SIGINT flush and exit 0.
import { pino } from "pino";
import { sinkConfigFromEnv } from "./config.ts";
import { startSink } from "./sink.ts";

const log = pino({ name: "cc-sink", level: process.env.LOG_LEVEL ?? "info" });
let config: ReturnType<typeof sinkConfigFromEnv>;
try {
  config = sinkConfigFromEnv();
} catch (err) {
  log.fatal((err as Error).message);
  process.exit(2);
}
const sink = await startSink(config, { logger: log }).catch((err: unknown) => {
  log.fatal({ err }, "sink could not start");
  process.exit(1);
});
let exiting = false;
const shutdown = (signal: string) => {
  if (exiting) return;
  exiting = true;
  log.info({ signal }, "shutting down");
  sink.stop().then(
    () => process.exit(0),
    (err: unknown) => {
      log.error({ err }, "unclean shutdown");
      process.exit(1);
    },
  );
};
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
