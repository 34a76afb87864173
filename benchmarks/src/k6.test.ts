import { execFileSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { K6_DIR, k6Binary, k6Env, k6Scripts } from "./k6.ts";

// Each script must load in k6 (syntax, imports, options) and carry thresholds that encode its
// targets: `k6 inspect --execution-requirements` evaluates the init code and prints the options.
const EXPECTED: Record<string, string[]> = {
  "agent-console": ["http_req_duration", "http_req_failed"],
  "analyst-sql": ["http_req_duration{endpoint:sql}", "http_req_failed"],
  "intake-events": [
    "events_accepted",
    "events_duplicate_accepted_again",
    "http_req_duration{endpoint:events}",
  ],
  "intake-leads": ["leads_accepted", "lead_retries_new_event", "http_req_duration{endpoint:leads}"],
  reports: ["http_req_duration{report:funnel}", "http_req_duration{report:roi}", "http_req_failed"],
  "wallboard-sse": ["sse_staleness_ms", "sse_streams_failed", "sse_tick_gap_ms"],
};

function inspect(name: string, env: string[] = []): { thresholds: Record<string, string[]> } {
  const bin = k6Binary();
  if (!bin) throw new Error("bin/k6 is missing: npm run setup builds it");
  const args = ["inspect", "--execution-requirements", ...env.flatMap((e) => ["-e", e])];
  const out = execFileSync(bin, [...args, path.join(K6_DIR, `${name}.js`)], { encoding: "utf8" });
  return JSON.parse(out) as { thresholds: Record<string, string[]> };
}

describe("k6 suite", () => {
  it("has a script for every load the issue names, and nothing unlisted", () => {
    expect(k6Scripts()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [name, thresholds] of Object.entries(EXPECTED)) {
    it(`${name}.js loads in k6 and carries its thresholds`, () => {
      const opts = inspect(name, ["INTAKE_API_KEY=inspect-key"]);
      for (const t of thresholds) expect(opts.thresholds[t], t).toBeInstanceOf(Array);
    });
  }

  it("the console's p95 threshold is the 50 ms target unless overridden", () => {
    expect(inspect("agent-console").thresholds.http_req_duration).toEqual(["p(95)<50"]);
    expect(inspect("agent-console", ["P95_MS=80"]).thresholds.http_req_duration).toEqual(["p(95)<80"]);
  });

  it("refuses a non-loopback URL", () => {
    expect(() => inspect("reports", ["BASE_URL=http://10.0.0.1:3000"])).toThrow();
  });

  it("defaults to npm start's ports, and follows DASHBOARD_PORT / INTAKE_PORT", () => {
    expect(k6Env({})).toEqual({ BASE_URL: "http://127.0.0.1:3000", INTAKE_URL: "http://127.0.0.1:8080" });
    expect(k6Env({ DASHBOARD_PORT: "3100", INTAKE_PORT: "8181" })).toEqual({
      BASE_URL: "http://127.0.0.1:3100",
      INTAKE_URL: "http://127.0.0.1:8181",
    });
    expect(k6Env({ BASE_URL: "http://127.0.0.1:5000" }).BASE_URL).toBe("http://127.0.0.1:5000");
  });
});
