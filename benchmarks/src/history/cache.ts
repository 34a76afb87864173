// A generated history kept on disk for reuse: the embedded host's whole data directory, under
// a key made of the generator's code, every migration and the history's options (size, seed,
// org). A second `npm run bench -- dashboard` with the same key opens that directory and starts
// measuring in seconds instead of regenerating 100M events. A directory counts only once its
// marker (complete.json, written after the last insert) is there; a run that died half way is
// regenerated. Any change to the generator or to a migration changes the key.
import { createHash } from "node:crypto";
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { repoRoot } from "@cc/infra";
import { z } from "zod";
import type { HistorySummary } from "./index.ts";

/** Bumped by hand when the history's meaning changes in a way the files below do not show. */
export const GENERATOR_VERSION = 1;

const KEYED_FILES = ["analytics/src/history/sql.ts", "analytics/src/history/generate.ts"];

export function historyCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.CC_BENCH_HISTORY_DIR || path.join(repoRoot, ".bench-history");
}

/** sha256 over the generator, the migrations and the options (size, seed, org, days). */
export async function historyKey(options: Record<string, unknown>): Promise<string> {
  const h = createHash("sha256").update(`generator ${GENERATOR_VERSION}\n`);
  for (const f of KEYED_FILES) h.update(f).update(await readFile(path.join(repoRoot, f)));
  const migrations = path.join(repoRoot, "analytics/migrations");
  for (const f of (await readdir(migrations)).filter((n) => n.endsWith(".sql")).sort()) {
    h.update(f).update(await readFile(path.join(migrations, f)));
  }
  h.update(JSON.stringify(options, Object.keys(options).sort()));
  return h.digest("hex").slice(0, 20);
}

const Marker = z.object({
  key: z.string(),
  summary: z.object({
    orgId: z.string(),
    from: z.string(),
    to: z.string(),
    attempts: z.number(),
    leads: z.number(),
    agents: z.number(),
    events: z.number(),
    seconds: z.number(),
    eventsPerSecond: z.number(),
    stages: z.array(z.object({ stage: z.string(), rows: z.number(), seconds: z.number() })).optional(),
  }),
  written_at: z.string(),
});
export type HistoryMarker = z.infer<typeof Marker>;

const MARKER = "complete.json";

/** The finished history in `dir`, or null (absent, unfinished or from another key). */
export async function readMarker(dir: string, key: string): Promise<HistoryMarker | null> {
  try {
    const m = Marker.parse(JSON.parse(await readFile(path.join(dir, MARKER), "utf8")));
    return m.key === key ? m : null;
  } catch {
    return null;
  }
}

export async function writeMarker(dir: string, key: string, summary: HistorySummary): Promise<void> {
  const m: HistoryMarker = { key, summary, written_at: new Date().toISOString() };
  await writeFile(path.join(dir, MARKER), `${JSON.stringify(m, null, 2)}\n`);
}

/** Removes an unfinished directory so generation starts from an empty database. */
export async function clearDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
