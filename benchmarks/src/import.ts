// npm run bench -- import [--quick] [--json PATH]
//
// The lead import (pacing/src/import) on real nats-server and redis-server:
//  1. throughput and memory: generated vendor CSVs (UTF-8, ~8% duplicates, ~3% bad rows, ~2% DNC
//     numbers on the org's DNC list) of two sizes, each imported by its own process (the worker
//     runs runImport: parse, clean, dedupe, Redis scrub, lead.created on JetStream with acks);
//     rows/s = rows read / import time, peak RSS = the worker's getrusage high-water mark. Memory
//     flat in file size: the peak of the larger file stays near the smaller one's;
//  2. dedupe quality on a labelled messy sample (duplicates retyped: other phone formats, full-width
//     digits, 有限公司 dropped, spaces in names, a second number for the same contact): precision and
//     recall of the rows the import merged, against the generator's labels;
//  3. rows_lost: rows neither imported nor reported (rejected / duplicate / dnc), summed: must be 0.
// The pacing service is not running: adding the leads to the dialing lists is not measured here.
import { spawn } from "node:child_process";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { repoRoot, startNats, startRedis } from "@cc/infra";
import { connectNats, ensureStreams, jetStreamFor } from "@cc/ingest";
import { leadImport } from "@cc/pacing";
import { createClient } from "redis";
import { z } from "zod";
import type { BenchOptions } from "./types.ts";

const WorkerResult = z.object({
  counts: z.object({
    rowsRead: z.number(),
    imported: z.number(),
    rejected: z.number(),
    duplicates: z.number(),
    dnc: z.number(),
    rowsLost: z.number(),
  }),
  durationMs: z.number(),
  cpuMs: z.number(),
  bytes: z.number(),
  merges: z.array(z.number()),
  peakRssMb: z.number(),
  sampledRssMb: z.number(),
  fuzzyIndexFull: z.boolean(),
});
type WorkerResult = z.infer<typeof WorkerResult>;

const WORKER = path.join(repoRoot, "benchmarks/src/workers/import-run.ts");
// As `npm run import` runs the importer: a 16 MB semi-space (V8 otherwise grows the young
// generation to ~130 MB under the import's allocation rate) and old space capped at 256 MB. The
// importer's live heap stays under ~120 MB whatever the file's size (the fuzzy index is bounded
// and kept in typed arrays), but V8 lets old space grow to ~4× live before collecting (peak RSS
// 571–660 MB at 1M rows without the cap, 330–341 MB with it, +1–2 µs CPU per row; 192 MB costs
// +6 µs). What still grows with the file: the exact phone set (~24 bytes per distinct number)
// and the report's lists of rejected and merged rows.
const IMPORTER_NODE_FLAGS = ["--max-semi-space-size=16", "--max-old-space-size=256"];

function runWorker(args: Record<string, unknown>): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...IMPORTER_NODE_FLAGS, WORKER], {
      env: { ...process.env, IMPORT_ARGS: JSON.stringify(args) },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (b: Buffer) => {
      out += b.toString();
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code !== 0) return reject(new Error(`import worker exited ${code}`));
      try {
        resolve(WorkerResult.parse(JSON.parse(out.trim().split("\n").at(-1) ?? "")));
      } catch (err) {
        reject(err);
      }
    });
  });
}

interface SizeRun {
  rows: number;
  mb: number;
  result: WorkerResult;
  rowsPerS: number;
}

export async function run(opts: BenchOptions): Promise<Record<string, unknown>> {
  const sizes = opts.quick ? [50_000, 200_000] : [250_000, 1_000_000];
  const labelledRows = opts.quick ? 20_000 : 100_000;
  const dir = await mkdtemp(path.join(tmpdir(), "cc-bench-import-"));
  const nats = await startNats();
  const redisServer = await startRedis();
  const redis = createClient({ url: redisServer.url });
  await redis.connect();
  try {
    const nc = await connectNats(nats.url);
    await ensureStreams((await jetStreamFor(nc)).jsm);
    await nc.drain();

    const runs: SizeRun[] = [];
    for (const [i, rows] of sizes.entries()) {
      const file = path.join(dir, `list-${rows}.csv`);
      const t0 = performance.now();
      // Each size its own contacts, its own campaign: no size sees another's numbers as earlier imports.
      const w = await leadImport.writeSampleCsv(file, {
        rows,
        seed: `bench-${rows}`,
        foreignShare: 0.02,
        mobileFor: (n) => leadImport.generatedMobile(n + i * 10_000_000),
      });
      if (w.dnc.length)
        for (let k = 0; k < w.dnc.length; k += 10_000)
          await redis.sAdd("cc:dnc:bench", normalised(w.dnc.slice(k, k + 10_000)));
      const mb = (await stat(file)).size / 1048576;
      console.log(
        `generated ${rows} rows (${mb.toFixed(1)} MB) in ${((performance.now() - t0) / 1000).toFixed(1)} s; importing…`,
      );
      const result = await runWorker({
        file,
        natsUrl: nats.url,
        redisUrl: redisServer.url,
        campaign: `bench-${rows}`,
      });
      const rowsPerS = Math.round(result.counts.rowsRead / (result.durationMs / 1000));
      runs.push({ rows, mb, result, rowsPerS });
      await rm(file);
    }

    // Dedupe quality on a labelled messy sample (dry run: no earlier imports in play).
    const labelled = path.join(dir, "labelled.csv");
    const truth: boolean[] = [];
    const w = await leadImport.writeSampleCsv(labelled, {
      rows: labelledRows,
      seed: "bench-labelled",
      duplicateShare: 0.15,
      foreignShare: 0.02,
      encoding: "gb18030",
    });
    for (const r of leadImport.sampleRows({
      rows: labelledRows,
      seed: "bench-labelled",
      duplicateShare: 0.15,
      foreignShare: 0.02,
    }))
      truth.push(r.truth === "duplicate");
    const d = await runWorker({ file: labelled, dryRun: true, withMerges: true });
    const merged = new Set(d.merges);
    let tp = 0;
    let fp = 0;
    let fn = 0;
    truth.forEach((dup, i) => {
      const line = i + 2;
      if (merged.has(line) && dup) tp++;
      else if (merged.has(line)) fp++;
      else if (dup) fn++;
    });
    const precision = tp / Math.max(1, tp + fp);
    const recall = tp / Math.max(1, tp + fn);

    const big = runs.at(-1)!;
    const small = runs[0]!;
    const rowsLost = [...runs.map((r) => r.result.counts.rowsLost), d.counts.rowsLost].reduce(
      (a, b) => a + b,
      0,
    );
    const table = Object.fromEntries(
      runs.map((r) => [
        `${r.rows.toLocaleString("en")} rows`,
        {
          MB: Number(r.mb.toFixed(1)),
          "rows/s": r.rowsPerS,
          "peak RSS MB": Math.round(r.result.peakRssMb),
          "CPU µs/row": Math.round((r.result.cpuMs * 1000) / r.result.counts.rowsRead),
          imported: r.result.counts.imported,
          rejected: r.result.counts.rejected,
          duplicates: r.result.counts.duplicates,
          dnc: r.result.counts.dnc,
          lost: r.result.counts.rowsLost,
        },
      ]),
    );
    console.table(table);
    console.log(
      `dedupe on ${labelledRows.toLocaleString("en")} labelled rows (${w.truth.duplicate} true duplicates): precision ${precision.toFixed(4)} (target ≥ 0.98), recall ${recall.toFixed(4)} (target ≥ 0.95); tp ${tp} fp ${fp} fn ${fn}`,
    );
    console.log(
      `load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores; importer CPU ${Math.round((big.result.cpuMs * 1000) / big.result.counts.rowsRead)} µs/row at ${big.rows} rows`,
    );
    console.log(
      `rows/s ${big.rowsPerS} (target ≥ 50000); peak RSS ${Math.round(small.result.peakRssMb)} MB at ${small.rows} rows → ${Math.round(big.result.peakRssMb)} MB at ${big.rows} rows; rows_lost ${rowsLost} (must be 0)`,
    );
    return {
      rows: big.rows,
      rows_per_s: big.rowsPerS,
      peak_rss_mb: Math.round(big.result.peakRssMb),
      dedup_precision: Number(precision.toFixed(4)),
      dedup_recall: Number(recall.toFixed(4)),
      rows_lost: rowsLost,
      sizes: runs.map((r) => ({
        rows: r.rows,
        file_mb: Number(r.mb.toFixed(1)),
        rows_per_s: r.rowsPerS,
        peak_rss_mb: Math.round(r.result.peakRssMb),
        duration_ms: r.result.durationMs,
        importer_cpu_ms: r.result.cpuMs,
        importer_cpu_us_per_row: Math.round((r.result.cpuMs * 1000) / r.result.counts.rowsRead),
        counts: r.result.counts,
        fuzzy_index_full: r.result.fuzzyIndexFull,
      })),
      dedup: { rows: labelledRows, true_duplicates: w.truth.duplicate, tp, fp, fn },
      // The box is shared: rows/s is wall clock, so the load on it matters (CPU µs/row does not).
      load_avg_1m: Number(loadavg()[0]!.toFixed(1)),
      cores: cpus().length,
      targets: { rows_per_s: 50_000, dedup_precision: 0.98, dedup_recall: 0.95, rows_lost: 0 },
    };
  } finally {
    await redis.quit().catch(() => undefined);
    await nats.stop();
    await redisServer.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

function normalised(phones: string[]): string[] {
  return phones.map((p) => {
    const c = leadImport.cleanPhone(p);
    return c.ok ? c.e164 : p;
  });
}
