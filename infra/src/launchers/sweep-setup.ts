// vitest globalSetup: before the integration tests start servers, remove what runs that died
// (kill -9, Ctrl-C, a crashed worker) left in the temp dir.
import { sweepStaleTempDirs } from "./temp.ts";

export default async function sweepBeforeTests(): Promise<void> {
  const removed = await sweepStaleTempDirs();
  if (removed.length > 0) {
    process.stderr.write(`removed ${removed.length} temp dirs left by earlier runs that died\n`);
  }
}
