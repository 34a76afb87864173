// npm run k6 -- NAME [k6 run flags…]
// Runs benchmarks/k6/NAME.js with the k6 that `npm run setup` puts in bin/k6, against servers
// that are already running (npm start, or your own): it starts nothing. Default URLs are the
// ports npm start uses (dashboard :3000, intake :8080); DASHBOARD_PORT / INTAKE_PORT or
// BASE_URL / INTAKE_URL point elsewhere. k6 prints its own summary; the exit code is k6's
// (99 when a threshold failed). Extra flags go to `k6 run` (e.g. --summary-export out.json).
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { repoRoot } from "@cc/infra";
import { z } from "zod";

export const K6_DIR = path.join(repoRoot, "benchmarks/k6");

/** The suite: every script in benchmarks/k6 (lib/ holds shared code). */
export function k6Scripts(): string[] {
  return readdirSync(K6_DIR)
    .filter((f) => f.endsWith(".js"))
    .map((f) => f.slice(0, -3))
    .sort();
}

export function k6Binary(): string | null {
  const fromEnv = process.env.K6_BIN;
  for (const p of [fromEnv, path.join(repoRoot, "bin/k6")]) if (p && existsSync(p)) return p;
  return null;
}

const Port = z.coerce.number().int().min(1).max(65_535);

/** BASE_URL / INTAKE_URL as given, else loopback on DASHBOARD_PORT / INTAKE_PORT (npm start's defaults). */
export function k6Env(env: NodeJS.ProcessEnv): Record<string, string> {
  const dashPort = Port.default(3000).parse(env.DASHBOARD_PORT || undefined);
  const intakePort = Port.default(8080).parse(env.INTAKE_PORT || undefined);
  return {
    BASE_URL: env.BASE_URL || `http://127.0.0.1:${dashPort}`,
    INTAKE_URL: env.INTAKE_URL || `http://127.0.0.1:${intakePort}`,
  };
}

async function main(): Promise<void> {
  const [name, ...flags] = process.argv.slice(2);
  const scripts = k6Scripts();
  if (!name || !scripts.includes(name)) {
    console.error(`usage: npm run k6 -- NAME [k6 run flags]   (NAME: ${scripts.join(", ")})`);
    console.error("see benchmarks/README.md for each script's environment (users, API key, rates)");
    process.exit(2);
  }
  const bin = k6Binary();
  if (!bin) {
    console.error("k6 not found: run `npm run setup` (builds bin/k6) or set K6_BIN");
    process.exit(2);
  }
  const env = { ...process.env, ...k6Env(process.env) };
  console.error(`k6 ${name}: dashboard ${env.BASE_URL}, intake ${env.INTAKE_URL}`);
  const child = spawn(bin, ["run", "--no-usage-report", ...flags, path.join(K6_DIR, `${name}.js`)], {
    env,
    stdio: "inherit",
  });
  for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => child.kill(sig));
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 130 : 1)));
}

if (import.meta.main) await main();
