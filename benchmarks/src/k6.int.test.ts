import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { repoRoot, startNats, tempDir } from "@cc/infra";
import { type IntakeHandle, startIntake } from "@cc/ingest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// Smoke: the intake scripts against a real intake on NATS JetStream, at a low rate for a few
// seconds, through `npm run k6` itself. Thresholds hold (exit 0) and the summary counts match
// what was asked for: retries came back as duplicates, never as new events.
const KEY = "k6-smoke-intake-key-0123456789";

async function k6(name: string, env: Record<string, string>, summary: string) {
  const child = spawn(
    process.execPath,
    [path.join(repoRoot, "benchmarks/src/k6.ts"), name, "--quiet", "--summary-export", summary],
    { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const code = await new Promise<number>((r) => child.on("exit", (c) => r(c ?? 1)));
  const metrics = (
    JSON.parse(await readFile(summary, "utf8")) as { metrics: Record<string, Record<string, number>> }
  ).metrics;
  return { code, out, metrics };
}

describe("npm run k6 against a real intake", () => {
  let nats: Awaited<ReturnType<typeof startNats>>;
  let intake: IntakeHandle;
  let dir: string;

  beforeAll(async () => {
    nats = await startNats();
    dir = await tempDir("k6-smoke");
    intake = await startIntake({
      natsUrl: nats.url,
      http: { port: 0, host: "127.0.0.1" },
      apiKeys: [{ name: "k6", key: KEY, org_id: "acme" }],
      metricsApiKeys: [],
      bodyLimitBytes: 1024 * 1024,
      maxEvents: 5_000,
      defaultRegion: "CN",
      idempotencyTtlMs: 3_600_000,
      streams: { duplicateWindowMs: 600_000, maxAgeMs: 0 },
      logLevel: "warn",
    });
  });
  afterAll(async () => {
    await intake?.stop();
    await nats?.stop();
  });

  const env = () => ({ INTAKE_PORT: String(intake.port), INTAKE_API_KEY: KEY, DURATION: "4s" });

  it("intake-events holds 400 events/s with every retried batch counted as duplicates", async () => {
    const r = await k6(
      "intake-events",
      { ...env(), RATE: "400", BATCH: "20", DUP_EVERY: "5" },
      path.join(dir, "ev.json"),
    );
    expect(r.code, r.out).toBe(0);
    expect(r.metrics.events_accepted?.count).toBeGreaterThanOrEqual(1500);
    expect(r.metrics.events_duplicate?.count).toBeGreaterThan(0);
    expect(r.metrics.events_duplicate_accepted_again?.count ?? 0).toBe(0);
  });

  it("intake-leads: a retry with the same Idempotency-Key names the same lead", async () => {
    const r = await k6(
      "intake-leads",
      { ...env(), RATE: "20", RETRY_EVERY: "2" },
      path.join(dir, "leads.json"),
    );
    expect(r.code, r.out).toBe(0);
    expect(r.metrics.leads_accepted?.count).toBeGreaterThanOrEqual(70);
    expect(r.metrics.lead_retries_same_event?.count).toBeGreaterThan(0);
    expect(r.metrics.lead_retries_new_event?.count ?? 0).toBe(0);
  });

  it("a threshold that cannot hold fails the run (k6 exit 99)", async () => {
    const r = await k6(
      "intake-events",
      { ...env(), RATE: "100", BATCH: "10", P95_MS: "0.001", DURATION: "2s" },
      path.join(dir, "fail.json"),
    );
    expect(r.code).toBe(99);
  });
});
