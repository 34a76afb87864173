// npm run import -- FILE --campaign ID [--org ID] [--mapping phone=手机,name=姓名] [--dry-run]
//                   [--report out.json] [--consent written|web_form|recorded_call|sms|none]
//                   [--format csv|xlsx] [--encoding gb18030]
// Imports a CSV/XLSX lead list into a campaign with a progress bar and prints the report summary.
// Connects like the services: NATS_URL / REDIS_URL when set, else the local `npm start` stack as
// the `importer` identity (passwords from CC_DATA_DIR/secrets.json, ports NATS_PORT/REDIS_PORT).
// `npm run import` runs it through dashboard/scripts/import.ts, which adds the existing-customers
// check from @cc/customers (pacing does not depend on that workspace); run directly, it skips it.
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { repoRoot } from "@cc/infra";
import { connectNats, EntityId, ensureStreams, jetStreamFor } from "@cc/ingest";
import cliProgress from "cli-progress";
import { createClient } from "redis";
import { z } from "zod";
import type { ConsentBasis } from "./engine.ts";
import { type ImportReport, type KnownCustomers, parseMappingArg, runImport } from "./index.ts";

type Redis = ReturnType<typeof createClient>;

/** What a wrapper adds to the CLI: the org's existing customers over the CLI's Redis connection. */
export interface ImportCliHooks {
  knownCustomers?: (redis: Redis) => KnownCustomers;
}

const USAGE =
  "usage: npm run import -- FILE --campaign ID [--org ID] [--mapping phone=手机,...] [--dry-run] [--report out.json] [--consent METHOD]";

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

const StackSecrets = z.object({
  nats_passwords: z.object({ importer: z.string().optional() }).passthrough(),
  redis_passwords: z.object({ importer: z.string().optional() }).passthrough(),
});

/** NATS and Redis URLs: from the environment, or the local stack's importer identity. */
async function connectionUrls(): Promise<{ nats: string; redis: string }> {
  if (process.env.NATS_URL && process.env.REDIS_URL)
    return { nats: process.env.NATS_URL, redis: process.env.REDIS_URL };
  const dataDir = process.env.CC_DATA_DIR ?? path.join(repoRoot, ".data");
  let secrets: z.infer<typeof StackSecrets>;
  try {
    secrets = StackSecrets.parse(JSON.parse(await readFile(path.join(dataDir, "secrets.json"), "utf8")));
  } catch (err) {
    fail(
      `no NATS_URL/REDIS_URL and no readable ${dataDir}/secrets.json (is npm start running?): ${(err as Error).message}`,
    );
  }
  const nPass = secrets.nats_passwords.importer;
  const rPass = secrets.redis_passwords.importer;
  if (!nPass || !rPass)
    fail("secrets.json has no importer identity yet: restart npm start once to create it");
  const natsPort = process.env.NATS_PORT ?? "4222";
  const redisPort = process.env.REDIS_PORT ?? "6379";
  return {
    nats: process.env.NATS_URL ?? `nats://importer:${encodeURIComponent(nPass)}@127.0.0.1:${natsPort}`,
    redis: process.env.REDIS_URL ?? `redis://importer:${encodeURIComponent(rPass)}@127.0.0.1:${redisPort}`,
  };
}

function summary(r: ImportReport): string {
  const c = r.counts;
  const lines = [
    `import ${r.importId} → campaign ${r.campaignId}${r.dryRun ? " (dry run: nothing published)" : ""}`,
    `  file: ${r.format}, ${r.encoding}, ${r.bytesRead} bytes, ${c.rowsRead} rows in ${(r.durationMs / 1000).toFixed(1)} s`,
    `  mapping: ${Object.entries(r.mapping)
      .map(([f, h]) => `${f}=${h}`)
      .join(", ")}`,
    `  imported ${c.imported}  rejected ${c.rejected}  duplicates ${c.duplicates}  dnc/blacklist ${c.dnc}  lost ${c.rowsLost}`,
    `  existing customers: ${c.existingCustomers} rows merged into customer records (counted in duplicates)`,
    `  kinds: ${r.phoneKinds.mobile} mobile, ${r.phoneKinds.landline} landline, ${r.phoneKinds.international} international`,
  ];
  const byReason = new Map<string, number>();
  for (const x of r.rejected) byReason.set(x.reason, (byReason.get(x.reason) ?? 0) + 1);
  for (const [reason, n] of byReason) lines.push(`  rejected ${n}: ${reason}`);
  for (const x of r.rejected.slice(0, 10)) lines.push(`    row ${x.line}: ${x.reason} (${x.value ?? ""})`);
  const missing = Object.entries(r.missingImportant.byField);
  if (missing.length)
    lines.push(
      `  reminder: ${r.missingImportant.rows.length} imported rows lack important fields (${missing.map(([f, n]) => `${f}: ${n}`).join(", ")})`,
    );
  if (r.fuzzyIndexFull) lines.push("  note: fuzzy name/company index full; later rows deduped by phone only");
  return lines.join("\n");
}

async function main(hooks: ImportCliHooks): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      campaign: { type: "string" },
      org: { type: "string" },
      mapping: { type: "string" },
      "dry-run": { type: "boolean", default: false },
      report: { type: "string" },
      consent: { type: "string" },
      format: { type: "string" },
      encoding: { type: "string" },
    },
  });
  const file = positionals[0] ?? fail("FILE is needed");
  const campaignId =
    EntityId.safeParse(values.campaign).data ?? fail("--campaign ID is needed (letters, digits, _ -)");
  const orgId = EntityId.safeParse(values.org ?? process.env.CC_ORG_ID ?? "demo").data ?? fail("bad --org");
  const format = z.enum(["csv", "xlsx"]).optional().safeParse(values.format);
  if (!format.success) fail("--format is csv or xlsx");
  const method = z
    .enum(["written", "web_form", "recorded_call", "sms", "none"])
    .optional()
    .safeParse(values.consent);
  if (!method.success) fail("--consent is written, web_form, recorded_call, sms or none");
  const consent: ConsentBasis | undefined = method.data
    ? { given: method.data !== "none", method: method.data }
    : undefined;
  let mapping: ReturnType<typeof parseMappingArg> | undefined;
  try {
    mapping = values.mapping ? parseMappingArg(values.mapping) : undefined;
  } catch (err) {
    fail((err as Error).message);
  }
  const dryRun = values["dry-run"] === true;

  const urls = dryRun && !process.env.REDIS_URL ? undefined : await connectionUrls();
  const nc = urls && !dryRun ? await connectNats(urls.nats, { name: "importer" }) : undefined;
  const js = nc ? (await jetStreamFor(nc)).js : undefined;
  if (nc) await ensureStreams((await jetStreamFor(nc)).jsm).catch(() => undefined);
  const redis = urls ? createClient({ url: urls.redis }) : undefined;
  await redis?.connect();

  const bar = new cliProgress.SingleBar(
    {
      format:
        "{bar} {percentage}% | {rowsRead} rows | imported {imported} | rejected {rejected} | dup {duplicates} | dnc {dnc}",
      stream: process.stderr,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  try {
    const report = await runImport(
      {
        source: file,
        orgId,
        campaignId,
        dryRun,
        ...(format.data ? { format: format.data } : {}),
        ...(values.encoding ? { encoding: values.encoding } : {}),
        ...(mapping ? { mapping } : {}),
        ...(js ? { js } : {}),
        ...(redis ? { redis: redis as never } : {}),
        ...(redis && hooks.knownCustomers ? { knownCustomers: hooks.knownCustomers(redis as never) } : {}),
        ...(consent ? { consent } : {}),
      },
      (p) => {
        const payload = { ...p };
        if (!started) {
          bar.start(p.totalBytes ?? 1, p.bytesRead, payload);
          started = true;
        } else bar.update(p.bytesRead, payload);
      },
    );
    bar.stop();
    process.stdout.write(`${summary(report)}\n`);
    if (values.report) {
      await writeFile(values.report, `${JSON.stringify(report, null, 2)}\n`);
      process.stdout.write(`  report: ${values.report}\n`);
    }
    return report.counts.rowsLost === 0 ? 0 : 1;
  } finally {
    bar.stop();
    await nc?.drain();
    await redis?.quit();
  }
}

/** Runs the CLI on process.argv and exits with its code. */
export function runImportCli(hooks: ImportCliHooks = {}): void {
  main(hooks).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`\nimport failed: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}

if (import.meta.main) runImportCli();
