import { type Logger, pino } from "pino";
import type { z } from "zod";

/** A service's environment through its schema, or one error naming every bad variable. */
export function parseEnv<S extends z.ZodType>(
  schema: S,
  source: NodeJS.ProcessEnv = process.env,
): z.output<S> {
  const r = schema.safeParse(source);
  if (!r.success) {
    throw new Error(
      `bad configuration: ${r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  }
  return r.data;
}

/**
 * The process shell every service main shares: a pino logger, config loaded once (exit 2 with
 * the message when it is invalid), start (exit 1 when it fails), and one clean shutdown on
 * SIGTERM/SIGINT (exit 0, or 1 when stopping fails).
 */
export async function runService<C, H extends { stop(): Promise<void> }>(opts: {
  name: string;
  loadConfig: () => C;
  start: (config: C, log: Logger) => Promise<H>;
}): Promise<H> {
  const log = pino({ name: opts.name, level: process.env.LOG_LEVEL ?? "info" });
  let config: C;
  try {
    config = opts.loadConfig();
  } catch (err) {
    log.fatal((err as Error).message);
    process.exit(2);
  }
  const handle = await opts.start(config, log).catch((err: unknown) => {
    log.fatal({ err }, `${opts.name} could not start`);
    process.exit(1);
  });
  let exiting = false;
  const shutdown = (signal: string) => {
    if (exiting) return;
    exiting = true;
    log.info({ signal }, "shutting down");
    handle.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, "unclean shutdown");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
  return handle;
}
