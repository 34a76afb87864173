// Runnable sink: `node ingest/src/sink/main.ts` (env: see config.ts). SIGTERM/SIGINT flush and exit 0.
import { runService } from "../http/run-service.ts";
import { sinkConfigFromEnv } from "./config.ts";
import { startSink } from "./sink.ts";

await runService({
  name: "cc-sink",
  loadConfig: () => sinkConfigFromEnv(),
  start: (config, logger) => startSink(config, { logger }),
});
