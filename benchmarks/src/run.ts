// npm run bench -- NAME [--quick] [--json PATH]
// Each benchmark lives in src/<name>.ts and exports `run(opts)`, which prints its own
// table and returns the JSON document written to --json (default bench-results/<name>.json).
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { repoRoot, sweepStaleTempDirs } from "@cc/infra";
import { z } from "zod";
import { benchmarkArgs } from "./args.ts";
import type { BenchModule } from "./types.ts";

const Name = z.string().regex(/^[a-z][a-z0-9-]*$/, "benchmark names are lowercase words, e.g. ingest");

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: { quick: { type: "boolean", default: false }, json: { type: "string" } },
    allowPositionals: true,
    strict: false,
  });
  const nameArg = Name.safeParse(positionals[0]);
  if (!nameArg.success) {
    console.error(
      "usage: npm run bench -- NAME [--quick] [--json PATH]   (NAME: ingest, pacing, pacing-service, dashboard, live-rates, cpa, media, inbound, import, customers, speed-to-lead)",
    );
    process.exit(2);
  }
  const name = nameArg.data;
  // Ctrl-C exits through 'exit', so the temp dirs of the servers started here are removed
  // (CC_KEEP_TEMP=1 keeps them and prints where); dirs of earlier runs that died go first.
  for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => process.exit(130));
  const swept = await sweepStaleTempDirs();
  if (swept.length > 0) console.error(`removed ${swept.length} temp dirs left by earlier runs that died`);
  let mod: BenchModule;
  try {
    mod = (await import(`./${name}.ts`)) as BenchModule;
  } catch (err) {
    console.error(`no benchmark named '${name}': ${(err as Error).message}`);
    process.exit(2);
  }
  const result = await mod.run({
    quick: values.quick === true,
    extra: benchmarkArgs(process.argv.slice(2), name),
  });
  const jsonPath =
    typeof values.json === "string" ? values.json : path.join(repoRoot, "bench-results", `${name}.json`);
  await mkdir(path.dirname(path.resolve(jsonPath)), { recursive: true });
  const doc = {
    benchmark: name,
    quick: values.quick === true,
    finished_at: new Date().toISOString(),
    ...result,
  };
  await writeFile(jsonPath, `${JSON.stringify(doc, null, 2)}\n`);
  console.log(`\nwrote ${jsonPath}`);
}

await main();
