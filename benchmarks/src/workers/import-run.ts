// One lead import in its own process for `npm run bench -- import`, so its peak RSS is the
// importer's alone (getrusage maxrss: the kernel's high-water mark, not a sample). Prints one
// JSON summary line.
import { connectNats, jetStreamFor } from "@cc/ingest";
import { leadImport } from "@cc/pacing";
import { createClient } from "redis";
import { z } from "zod";

const Args = z.object({
  file: z.string(),
  natsUrl: z.string().optional(),
  redisUrl: z.string().optional(),
  org: z.string().default("bench"),
  campaign: z.string().default("bench"),
  dryRun: z.boolean().default(false),
  /** Print the merged rows' lines (the labelled dedupe sample). */
  withMerges: z.boolean().default(false),
});
const args = Args.parse(JSON.parse(process.env.IMPORT_ARGS ?? "{}"));

const nc = args.natsUrl ? await connectNats(args.natsUrl, { name: "bench-import" }) : undefined;
const js = nc ? (await jetStreamFor(nc)).js : undefined;
const redis = args.redisUrl ? createClient({ url: args.redisUrl }) : undefined;
await redis?.connect();
const rss: number[] = [];
const cpu0 = process.cpuUsage();
const sampler = setInterval(() => rss.push(process.memoryUsage.rss()), 250);
const report = await leadImport.runImport({
  source: args.file,
  orgId: args.org,
  campaignId: args.campaign,
  dryRun: args.dryRun,
  ...(js ? { js } : {}),
  ...(redis ? { redis: redis as never } : {}),
});
clearInterval(sampler);
const cpu = process.cpuUsage(cpu0);
await nc?.drain();
await redis?.quit();
process.stdout.write(
  `${JSON.stringify({
    counts: report.counts,
    durationMs: report.durationMs,
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    bytes: report.bytesRead,
    merges: args.withMerges ? report.merges.map((m) => m.line) : [],
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    sampledRssMb: rss.length ? Math.max(...rss) / 1048576 : 0,
    fuzzyIndexFull: report.fuzzyIndexFull === true,
  })}\n`,
);
