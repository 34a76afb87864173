// The analyst SQL page under load: VUS (default 10) analysts run read-only queries through
// /sql for DURATION (default 30s).   npm run k6 -- analyst-sql   (DASH_USER / DASH_PASSWORD:
// an analyst, director or admin). Each query runs as the signed-in user's org analyst (org,
// readonly and limits enforced by ClickHouse). QUERY overrides the mix below.
import { check, sleep } from "k6";
import http from "k6/http";
import { DASHBOARD, num, required, signIn, TREND_STATS, useSession } from "./lib/common.js";

const BASE = DASHBOARD();
const MIX = __ENV.QUERY
  ? [__ENV.QUERY]
  : [
      "SELECT kind, count() AS n FROM events GROUP BY kind ORDER BY n DESC",
      "SELECT toStartOfHour(occurred_at) AS hour, count() AS n FROM events WHERE occurred_at >= now() - INTERVAL 1 DAY GROUP BY hour ORDER BY hour",
      "SELECT campaign_id, count() AS attempts FROM events WHERE kind = 'call.attempt_created' GROUP BY campaign_id ORDER BY attempts DESC LIMIT 20",
    ];

export const options = {
  vus: num("VUS", 10),
  duration: __ENV.DURATION || "30s",
  thresholds: {
    http_req_failed: ["rate<0.01"],
    "http_req_duration{endpoint:sql}": [`p(95)<${num("P95_MS", 1000)}`],
    checks: ["rate>0.99"],
  },
  summaryTrendStats: TREND_STATS,
};

export function setup() {
  return signIn(BASE, required("DASH_USER"), required("DASH_PASSWORD"));
}

export default function (session) {
  useSession(BASE, session);
  const q = MIX[__ITER % MIX.length];
  const res = http.get(`${BASE}/sql?q=${encodeURIComponent(q)}`, { tags: { endpoint: "sql" } });
  // The page answers 200 with the error in the page when ClickHouse refuses; the result table
  // or the row count text shows that the query ran.
  check(res, { "query ran (200, no error)": (r) => r.status === 200 && /error:null/.test(r.body) });
  sleep(num("THINK_S", 1));
}
