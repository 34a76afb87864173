// Backup / export of recordings: every file of the org recorded in a date range is copied into a
// target directory with the same layout, each copy re-read and its sha256 compared with the
// source's, and a manifest (manifest.json: path, bytes, sha256 per file) written last, so a backup
// without a manifest is visibly incomplete. `verifyExport` re-checks a backup against its manifest.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { copyFile, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";

const DAY_DIR = /^\d{4}-\d{2}-\d{2}$/;

export const ExportManifest = z.object({
  org_id: z.string(),
  since: z.string(),
  until: z.string(),
  exported_at: z.string(),
  files: z.array(z.object({ path: z.string(), bytes: z.number().int().nonnegative(), sha256: z.string() })),
});
export type ExportManifest = z.infer<typeof ExportManifest>;

export async function fileSha256(file: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest("hex");
}

/** Copies recordings of days since…until (inclusive, yyyy-mm-dd, UTC days) to `to`. */
export async function exportRecordings(o: {
  dataDir: string;
  orgId: string;
  since: string;
  until: string;
  to: string;
  /**
   * The checksums taken when each file was recorded (ClickHouse `recordings`), by relative path: a
   * source file that no longer matches is not exported and is reported (tampered or damaged).
   */
  recorded?: ReadonlyMap<string, string>;
}): Promise<ExportManifest & { mismatched: string[] }> {
  const mismatched: string[] = [];
  const orgRel = path.posix.join("recordings", o.orgId);
  const days = (await readdir(path.join(o.dataDir, orgRel)).catch(() => [] as string[]))
    .filter((d) => DAY_DIR.test(d) && d >= o.since && d <= o.until)
    .sort();
  const files: ExportManifest["files"] = [];
  for (const day of days) {
    const dayRel = path.posix.join(orgRel, day);
    await mkdir(path.join(o.to, dayRel), { recursive: true });
    for (const f of (await readdir(path.join(o.dataDir, dayRel))).filter((f) => f.endsWith(".wav")).sort()) {
      const rel = path.posix.join(dayRel, f);
      const src = path.join(o.dataDir, rel);
      const dst = path.join(o.to, rel);
      const sha256 = await fileSha256(src);
      const recorded = o.recorded?.get(rel);
      if (recorded !== undefined && recorded !== sha256) {
        mismatched.push(rel);
        continue;
      }
      await copyFile(src, dst);
      const copied = await readFile(dst);
      if (createHash("sha256").update(copied).digest("hex") !== sha256)
        throw new Error(`copy of ${rel} differs from the source (checksum mismatch)`);
      files.push({ path: rel, bytes: copied.length, sha256 });
    }
  }
  const manifest: ExportManifest = {
    org_id: o.orgId,
    since: o.since,
    until: o.until,
    exported_at: new Date().toISOString(),
    files,
  };
  await mkdir(o.to, { recursive: true });
  await writeFile(path.join(o.to, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  return { ...manifest, mismatched };
}

/** Re-reads every file of a backup; the problems found (missing, size or checksum differs). */
export async function verifyExport(dir: string): Promise<{ files: number; problems: string[] }> {
  const manifest = ExportManifest.parse(JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8")));
  const problems: string[] = [];
  for (const f of manifest.files) {
    if (f.path.split("/").includes("..")) {
      problems.push(`${f.path}: unsafe path`);
      continue;
    }
    const sha = await fileSha256(path.join(dir, f.path)).catch(() => null);
    if (sha === null) problems.push(`${f.path}: missing`);
    else if (sha !== f.sha256) problems.push(`${f.path}: checksum differs`);
  }
  return { files: manifest.files.length, problems };
}
