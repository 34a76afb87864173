// Intake under load: machine sources POST batches of events to /v1/events at a target rate.
//   npm run k6 -- intake-events   (INTAKE_API_KEY required; see benchmarks/README.md)
// RATE events/s (default 2000) in requests of BATCH events (default 100) for DURATION.
// Every event is a complete, contract-shaped call.attempt_created with a fresh UUIDv7 id;
// every DUP_EVERY-th request (default 50) is sent twice with the same ids, and the second
// answer must count them as duplicates (JetStream's dedup by id), never as accepted.
import { check } from "k6";
import http from "k6/http";
import { Counter } from "k6/metrics";
import { INTAKE, num, required, TREND_STATS, uuidv7 } from "./lib/common.js";

const BASE = INTAKE();
const RATE = num("RATE", 2000);
const BATCH = num("BATCH", 100);
const DUP_EVERY = num("DUP_EVERY", 50);
const ORG = __ENV.ORG || "acme";
const KEY = required("INTAKE_API_KEY");
const requestsPerSecond = Math.max(1, Math.round(RATE / BATCH));

const accepted = new Counter("events_accepted");
const duplicates = new Counter("events_duplicate");
const wrongDuplicates = new Counter("events_duplicate_accepted_again");

export const options = {
  scenarios: {
    events: {
      executor: "constant-arrival-rate",
      rate: requestsPerSecond,
      timeUnit: "1s",
      duration: __ENV.DURATION || "30s",
      preAllocatedVUs: num("VUS", 20),
      maxVUs: num("MAX_VUS", 200),
    },
  },
  thresholds: {
    // Accepting events is the first hop of ingest's p99 ≤ 1 s end to end.
    "http_req_duration{endpoint:events}": [`p(95)<${num("P95_MS", 250)}`, `p(99)<${num("P99_MS", 1000)}`],
    http_req_failed: ["rate<0.001"],
    // The target rate was held: at least 95% of the events asked for were accepted per second.
    events_accepted: [`rate>=${0.95 * requestsPerSecond * BATCH}`],
    events_duplicate_accepted_again: ["count==0"],
    dropped_iterations: [`count<=${Math.ceil(requestsPerSecond)}`],
  },
  summaryTrendStats: TREND_STATS,
};

function attempt(now, i) {
  const n = Math.floor(Math.random() * 1e9);
  return {
    id: uuidv7(now),
    occurred_at: new Date(now).toISOString(),
    org_id: ORG,
    schema_version: 1,
    kind: "call.attempt_created",
    attempt_id: `k6-att-${__VU}-${__ITER}-${i}`,
    campaign_id: `k6-camp-${n % 20}`,
    lead_id: `k6-lead-${n % 100000}`,
    phone: `+86138${String(n % 100000000).padStart(8, "0")}`,
    caller_id: "+862160000000",
    mode: "predictive",
    attempt_no: 1,
  };
}

const params = {
  headers: { "content-type": "application/json", authorization: `Bearer ${KEY}` },
  tags: { endpoint: "events" },
};

export default function () {
  const now = Date.now();
  const batch = Array.from({ length: BATCH }, (_, i) => attempt(now, i));
  const body = JSON.stringify(batch);
  const res = http.post(`${BASE}/v1/events`, body, params);
  const ok = check(res, { "events accepted (202)": (r) => r.status === 202 });
  if (ok) accepted.add(res.json("accepted") ?? 0);
  if (ok && DUP_EVERY > 0 && __ITER % DUP_EVERY === 0) {
    // A client retry of the same batch: every event must come back as a duplicate.
    const again = http.post(`${BASE}/v1/events`, body, { ...params, tags: { endpoint: "events_retry" } });
    check(again, { "retry answered (202)": (r) => r.status === 202 });
    duplicates.add(again.json("duplicates") ?? 0);
    wrongDuplicates.add(again.json("accepted") ?? 0);
  }
}
