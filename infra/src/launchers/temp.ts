// Temp dirs of tests, benchmarks and launched servers. A full dashboard benchmark writes
// gigabytes; nothing may outlive the run that made it. Each dir is named
// cc-<prefix>-<pid>-XXXXXX: released when its server stops, removed when the process exits,
// and swept by the next run when the process died without cleaning up (kill -9, Ctrl-C).
import { rmSync } from "node:fs";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

/** CC_KEEP_TEMP=1 keeps every temp dir and says where it is. */
const keep = () => process.env.CC_KEEP_TEMP === "1";
const owned = new Set<string>();
let exitHookInstalled = false;

function removeAllAtExit(): void {
  for (const dir of owned) {
    if (keep()) process.stderr.write(`kept temp data (CC_KEEP_TEMP=1): ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
  owned.clear();
}

export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `cc-${prefix}-${process.pid}-`));
  owned.add(dir);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once("exit", removeAllAtExit);
  }
  return dir;
}

/** Remove a dir made by `tempDir` now (a no-op for any other path, e.g. a caller's data dir). */
export async function releaseTempDir(dir: string): Promise<void> {
  if (!owned.delete(dir)) return;
  if (keep()) process.stderr.write(`kept temp data (CC_KEEP_TEMP=1): ${dir}\n`);
  else await rm(dir, { recursive: true, force: true });
}

/** Stop a server, then remove its data dir when the launcher made it (not when the caller chose it). */
export async function stopAndRelease(
  proc: { stop(): Promise<void> },
  dataDir: string,
  callerDir: string | undefined,
): Promise<void> {
  await proc.stop();
  if (callerDir === undefined) await releaseTempDir(dataDir);
}

const OURS = /^cc-.+-(\d+)-[A-Za-z0-9]{6}$/;
// Dirs from before the pid was part of the name: only when untouched for this long.
const LEGACY = /^cc-[a-z][a-z0-9-]*-[A-Za-z0-9]{6}$/;
const NEVER = new Set(["cc-rtpengine-port-blocks"]);
const LEGACY_AGE_MS = 6 * 3600_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Remove temp dirs whose process is gone. Returns what was removed. */
export async function sweepStaleTempDirs(root = tmpdir()): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(root).catch(() => [] as string[])) {
    if (NEVER.has(name)) continue;
    const dir = path.join(root, name);
    const pid = OURS.exec(name)?.[1];
    let stale = pid !== undefined && Number(pid) !== process.pid && !alive(Number(pid));
    if (!stale && pid === undefined && LEGACY.test(name)) {
      const s = await stat(dir).catch(() => undefined);
      stale = s?.isDirectory() === true && Date.now() - s.mtimeMs > LEGACY_AGE_MS;
    }
    if (!stale) continue;
    await rm(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return removed;
}
