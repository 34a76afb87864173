// Runnable intake: `node ingest/src/intake/main.ts` (env: see config.ts). SIGTERM/SIGINT close cleanly.
import { runService } from "../http/run-service.ts";
import { intakeConfigFromEnv } from "./config.ts";
import { startIntake } from "./intake.ts";

await runService({
  name: "cc-intake",
  loadConfig: () => intakeConfigFromEnv(),
  start: (config, logger) => startIntake(config, { logger }),
});
