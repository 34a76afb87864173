// Web-form leads under load: POST /v1/leads at a target rate, each with an Idempotency-Key.
//   npm run k6 -- intake-leads   (INTAKE_API_KEY required; see benchmarks/README.md)
// RATE leads/s (default 200) for DURATION. Every RETRY_EVERY-th lead (default 10) is posted a
// second time with the same key, as a form that timed out and was resubmitted: the answer must
// name the same event id and count it as a duplicate (one lead.created, however many retries).
import { check } from "k6";
import http from "k6/http";
import { Counter } from "k6/metrics";
import { hex, INTAKE, num, required, TREND_STATS } from "./lib/common.js";

const BASE = INTAKE();
const RATE = num("RATE", 200);
const RETRY_EVERY = num("RETRY_EVERY", 10);
const KEY = required("INTAKE_API_KEY");
const CHANNELS = ["baidu", "douyin", "wechat", "xiaohongshu", "kuaishou"];

const accepted = new Counter("leads_accepted");
const retriedSame = new Counter("lead_retries_same_event");
const retriedWrong = new Counter("lead_retries_new_event");

export const options = {
  scenarios: {
    leads: {
      executor: "constant-arrival-rate",
      rate: RATE,
      timeUnit: "1s",
      duration: __ENV.DURATION || "30s",
      preAllocatedVUs: num("VUS", 20),
      maxVUs: num("MAX_VUS", 200),
    },
  },
  thresholds: {
    "http_req_duration{endpoint:leads}": [`p(95)<${num("P95_MS", 250)}`, `p(99)<${num("P99_MS", 1000)}`],
    http_req_failed: ["rate<0.001"],
    leads_accepted: [`rate>=${0.95 * RATE}`],
    // A retry with the same Idempotency-Key must never create a second lead.
    lead_retries_new_event: ["count==0"],
  },
  summaryTrendStats: TREND_STATS,
};

export default function () {
  const idem = `k6-${__VU}-${__ITER}-${hex(16)}`;
  const n = Math.floor(Math.random() * 1e8);
  const ch = CHANNELS[n % CHANNELS.length];
  const lead = {
    phone: `138${String(n).padStart(8, "0")}`,
    name: `k6 lead ${n}`,
    source: "ad",
    channel: ch,
    ad_campaign_id: `${ch}-spring`,
    ad_id: `${ch}-ad-${n % 3}`,
    consent: { given: true, method: "web_form" },
  };
  if (__ENV.ORG) lead.org_id = __ENV.ORG;
  const params = {
    headers: { "content-type": "application/json", authorization: `Bearer ${KEY}`, "idempotency-key": idem },
    tags: { endpoint: "leads" },
  };
  const body = JSON.stringify(lead);
  const res = http.post(`${BASE}/v1/leads`, body, params);
  if (!check(res, { "lead accepted (202)": (r) => r.status === 202 })) return;
  accepted.add(res.json("accepted") ?? 0);
  if (RETRY_EVERY > 0 && __ITER % RETRY_EVERY === 0) {
    const again = http.post(`${BASE}/v1/leads`, body, { ...params, tags: { endpoint: "leads_retry" } });
    const same =
      again.status === 202 && again.json("ids.0") === res.json("ids.0") && again.json("accepted") === 0;
    (same ? retriedSame : retriedWrong).add(1);
  }
}
