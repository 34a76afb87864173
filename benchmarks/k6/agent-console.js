// Agent console under load: VUS (default 50) agents for DURATION (default 60s).
//   npm run k6 -- agent-console   (AGENT_USER / AGENT_PASSWORD: an agent linked to an agent id)
// setup() signs in once as the agent (the real login form, SvelteKit's origin check satisfied by
// the Origin header); every iteration then does what a console does: load the page, read the
// screen pop, toggle ready / pause through the form action. Target: p95 ≤ 50 ms at 50 VUs.
import { check, sleep } from "k6";
import http from "k6/http";
import { DASHBOARD, form, num, required, signIn, TREND_STATS, useSession } from "./lib/common.js";

const BASE = DASHBOARD();

export const options = {
  vus: num("VUS", 50),
  duration: __ENV.DURATION || "60s",
  thresholds: {
    http_req_failed: ["rate<0.01"],
    http_req_duration: [`p(95)<${num("P95_MS", 50)}`],
    checks: ["rate>0.99"],
  },
  summaryTrendStats: TREND_STATS,
};

export function setup() {
  return signIn(BASE, required("AGENT_USER"), required("AGENT_PASSWORD"));
}

export default function (session) {
  useSession(BASE, session);
  const page = http.get(`${BASE}/console`, { tags: { endpoint: "console_page" } });
  check(page, { "console page 200": (r) => r.status === 200 });
  const pop = http.get(`${BASE}/console/customer`, { tags: { endpoint: "screen_pop" } });
  check(pop, { "screen pop answered": (r) => r.status === 200 || r.status === 204 || r.status === 404 });
  const body = __ITER % 2 === 0 ? { state: "paused", pause_reason: "break" } : { state: "ready" };
  const act = http.post(`${BASE}/console?/state`, form(body), {
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      origin: BASE,
      "x-sveltekit-action": "true",
    },
    tags: { endpoint: "state_action" },
  });
  check(act, { "state change accepted": (r) => r.status === 200 });
  sleep(num("THINK_S", 0.2));
}
