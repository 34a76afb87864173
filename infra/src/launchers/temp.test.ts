import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { releaseTempDir, sweepStaleTempDirs, tempDir } from "./temp.ts";

const roots: string[] = [];
afterEach(async () => {
  for (const r of roots.splice(0)) await rm(r, { recursive: true, force: true });
});

/** A pid that certainly belonged to a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
  return Number(r.stdout.toString());
}

describe("temp dirs", () => {
  it("names a dir after its process and removes it on release, once", async () => {
    const dir = await tempDir("unit");
    expect(path.basename(dir)).toMatch(new RegExp(`^cc-unit-${process.pid}-[A-Za-z0-9]{6}$`));
    expect(existsSync(dir)).toBe(true);
    await releaseTempDir(dir);
    expect(existsSync(dir)).toBe(false);
    await releaseTempDir(dir); // a second release is a no-op
  });

  it("never removes a dir it did not make", async () => {
    const foreign = await mkdtemp(path.join(tmpdir(), "not-ours-"));
    roots.push(foreign);
    await releaseTempDir(foreign);
    expect(existsSync(foreign)).toBe(true);
  });

  it("removes a child's dirs at its exit, also when the test inside it failed", () => {
    const script = `
      const { tempDir } = await import(${JSON.stringify(new URL("./temp.ts", import.meta.url).href)});
      const dir = await tempDir("exit");
      process.stdout.write(dir);
      throw new Error("the test failed");`;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script]);
    expect(r.status).not.toBe(0);
    const dir = r.stdout.toString();
    expect(dir).toMatch(/cc-exit-\d+-/);
    expect(existsSync(dir)).toBe(false);
  });

  it("keeps the dirs and says where when CC_KEEP_TEMP=1", async () => {
    const script = `
      const { tempDir } = await import(${JSON.stringify(new URL("./temp.ts", import.meta.url).href)});
      process.stdout.write(await tempDir("kept"));`;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      env: { ...process.env, CC_KEEP_TEMP: "1" },
    });
    const dir = r.stdout.toString();
    roots.push(dir);
    expect(existsSync(dir)).toBe(true);
    expect(r.stderr.toString()).toContain(`kept temp data (CC_KEEP_TEMP=1): ${dir}`);
  });

  it("sweeps the dirs of processes that died (kill -9, Ctrl-C) and nothing else", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "sweep-root-"));
    roots.push(root);
    const dead = path.join(root, `cc-clickhouse-${deadPid()}-AbC123`);
    const live = path.join(root, `cc-clickhouse-${process.pid}-XyZ789`);
    const legacyOld = path.join(root, "cc-nats-0mZvIo");
    const legacyNew = path.join(root, "cc-redis-1yDpRs");
    const locks = path.join(root, "cc-rtpengine-port-blocks");
    const other = path.join(root, "something-else");
    for (const d of [dead, live, legacyOld, legacyNew, locks, other]) await mkdir(d);
    const dayAgo = new Date(Date.now() - 24 * 3600_000);
    for (const d of [legacyOld, locks, other]) await utimes(d, dayAgo, dayAgo);
    const removed = await sweepStaleTempDirs(root);
    expect(removed.sort()).toEqual([dead, legacyOld].sort());
    for (const d of [live, legacyNew, locks, other]) expect(existsSync(d)).toBe(true);
  });
});

describe("servers a process started", () => {
  it("are killed when it exits without stopping them (failed test, interrupted benchmark)", async () => {
    const script = `
      const { spawnManaged } = await import(${JSON.stringify(new URL("./process.ts", import.meta.url).href)});
      const p = await spawnManaged({ name: "sleeper", command: "sleep", args: ["300"], ready: async () => true });
      process.stdout.write(String(p.pid));
      process.exit(3);`;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script]);
    expect(r.status).toBe(3);
    const pid = Number(r.stdout.toString());
    expect(pid).toBeGreaterThan(0);
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    // SIGKILL is delivered at once; the orphan is reaped by init a moment later.
    for (let i = 0; i < 40 && alive(); i++) await new Promise((r) => setTimeout(r, 50));
    expect(alive()).toBe(false);
  });
});
