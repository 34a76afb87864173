// What a benchmark gets of the command line (npm run bench -- NAME [--quick] [--json PATH] ...).
/**
 * The command line minus the benchmark's name and run.ts's own flags, as typed: a
 * benchmark's `--rates 20,30` reaches it whole (parseArgs with strict: false would split the
 * value off its unknown flag).
 */
export function benchmarkArgs(argv: string[], name: string): string[] {
  const out: string[] = [];
  let skippedName = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === "--quick" || a.startsWith("--json=")) continue;
    if (a === "--json") {
      i++;
      continue;
    }
    if (!skippedName && a === name) {
      skippedName = true;
      continue;
    }
    out.push(a);
  }
  return out;
}
