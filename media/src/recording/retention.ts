// Retention: recordings older than the org's retention (days) are deleted, one
// `recording.deleted` event per call, by day directory (recordings/<org>/<yyyy-mm-dd>/): a day is
// deleted once its last moment is older than the retention.
import { readdir, rm, rmdir } from "node:fs/promises";
import path from "node:path";
import type { EventFields } from "@cc/ingest";

const DAY_MS = 86_400_000;
const DAY_DIR = /^\d{4}-\d{2}-\d{2}$/;
const STEREO = /^([A-Za-z0-9_-]{1,64})\.wav$/;

export interface SweepResult {
  deletedCalls: number;
  deletedFiles: number;
}

export async function sweepRecordings(o: {
  dataDir: string;
  orgId: string;
  retentionDays: number;
  emit: (f: EventFields) => void;
  now?: number;
}): Promise<SweepResult> {
  const orgDir = path.join(o.dataDir, "recordings", o.orgId);
  const now = o.now ?? Date.now();
  const result: SweepResult = { deletedCalls: 0, deletedFiles: 0 };
  for (const day of await dirEntries(orgDir)) {
    if (!DAY_DIR.test(day)) continue;
    const dayEnd = Date.parse(`${day}T00:00:00.000Z`) + DAY_MS;
    if (!Number.isFinite(dayEnd) || now - dayEnd < o.retentionDays * DAY_MS) continue;
    const ageDays = Math.floor((now - Date.parse(`${day}T00:00:00.000Z`)) / DAY_MS);
    const dayDir = path.join(orgDir, day);
    for (const f of await dirEntries(dayDir)) {
      await rm(path.join(dayDir, f), { force: true });
      result.deletedFiles++;
      const m = STEREO.exec(f);
      if (!m) continue;
      result.deletedCalls++;
      o.emit({
        kind: "recording.deleted",
        org_id: o.orgId,
        attempt_id: m[1]!,
        path: path.posix.join("recordings", o.orgId, day, f),
        reason: "retention",
        age_days: Math.min(ageDays, 36_500),
      });
    }
    await rmdir(dayDir).catch(() => {});
  }
  return result;
}

async function dirEntries(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
}
