// Reports under load: VUS (default 5) directors open the funnel, ROI and workload pages for
// the last RANGE_DAYS days (default 14) for DURATION (default 60s).
//   npm run k6 -- reports   (DASH_USER / DASH_PASSWORD: a supervisor, manager, director,
//   analyst or admin). Targets (over 10M calls): funnel ≤ 300 ms, ROI ≤ 500 ms, workload ≤ 100 ms.
import { check, sleep } from "k6";
import http from "k6/http";
import { DASHBOARD, num, required, signIn, TREND_STATS, useSession } from "./lib/common.js";

const BASE = DASHBOARD();
const DAY = 86_400_000;

export const options = {
  vus: num("VUS", 5),
  duration: __ENV.DURATION || "60s",
  thresholds: {
    http_req_failed: ["rate<0.01"],
    "http_req_duration{report:funnel}": [`p(95)<${num("FUNNEL_P95_MS", 300)}`],
    "http_req_duration{report:roi}": [`p(95)<${num("ROI_P95_MS", 500)}`],
    "http_req_duration{report:workload}": [`p(95)<${num("WORKLOAD_P95_MS", 100)}`],
    checks: ["rate>0.99"],
  },
  summaryTrendStats: TREND_STATS,
};

export function setup() {
  return signIn(BASE, required("DASH_USER"), required("DASH_PASSWORD"));
}

const day = (ms) => new Date(ms).toISOString().slice(0, 10);

export default function (session) {
  useSession(BASE, session);
  const today = Math.floor(Date.now() / DAY) * DAY;
  const range = `from=${day(today - num("RANGE_DAYS", 14) * DAY)}&to=${day(today)}`;
  for (const [report, path] of [
    ["funnel", `/reports/funnel?${range}&window=7`],
    ["roi", `/reports/roi?${range}`],
    ["workload", `/reports/workload?${range}`],
  ]) {
    const res = http.get(`${BASE}${path}`, { tags: { report } });
    check(res, { [`${report} page 200`]: (r) => r.status === 200 });
  }
  sleep(num("THINK_S", 1));
}
