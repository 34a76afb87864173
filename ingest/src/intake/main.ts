// Runnable intake: `node ingest/src/intake/main.ts` (env: see config.ts). SIGTERM/SIGINT close cleanly.
import { pino } from "pino";
import { type IntakeConfig, intakeConfigFromEnv } from "./config.ts";
import { startIntake } from "./intake.ts";

const log = pino({ name: "cc-intake", level: process.env.LOG_LEVEL ?? "info" });
let config: IntakeConfig;
try {
  config = intakeConfigFromEnv();
} catch (err) {
  log.fatal((err as Error).message);
  process.exit(2);
}
const intake = await startIntake(config, { logger: log }).catch((err: unknown) => {
  log.fatal({ err }, "intake could not start");
  process.exit(1);
});
let exiting = false;
const shutdown = (signal: string) => {
  if (exiting) return;
  exiting = true;
  log.info({ signal }, "shutting down");
  intake.stop().then(
    () => process.exit(0),
    (err: unknown) => {
      log.error({ err }, "unclean shutdown");
      process.exit(1);
    },
  );
};
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
