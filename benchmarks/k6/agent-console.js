// Agent console under load: `k6 run agent-console.js` with
//   BASE_URL (loopback dashboard), AGENT_USER, AGENT_PASSWORD, VUS, DURATION.
// setup() signs in once as an agent (the real login form, SvelteKit's origin check
// satisfied by the Origin header); every iteration then does what a console does:
// load the page, read the screen pop, toggle ready / pause through the form action.
import { check, sleep } from "k6";
import http from "k6/http";

const BASE = __ENV.BASE_URL || "http://127.0.0.1:5173";
if (!/^http:\/\/127\.0\.0\.1:\d+$/.test(BASE)) throw new Error(`BASE_URL must be loopback: ${BASE}`);

export const options = {
  vus: Number(__ENV.VUS || 20),
  duration: __ENV.DURATION || "15s",
  thresholds: { http_req_failed: ["rate<0.01"] },
  summaryTrendStats: ["avg", "min", "med", "p(90)", "p(95)", "p(99)", "max"],
};

const form = (o) =>
  Object.entries(o)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join("&");

export function setup() {
  const res = http.post(
    `${BASE}/login`,
    form({ username: __ENV.AGENT_USER, password: __ENV.AGENT_PASSWORD }),
    {
      headers: { "content-type": "application/x-www-form-urlencoded", origin: BASE },
      redirects: 0,
    },
  );
  const cookie = res.cookies.cc_session?.[0]?.value ?? Object.values(res.cookies)[0]?.[0]?.value;
  const name = res.cookies.cc_session ? "cc_session" : Object.keys(res.cookies)[0];
  if (!cookie) throw new Error(`agent sign-in failed: HTTP ${res.status}`);
  return { name, cookie };
}

export default function (session) {
  const jar = http.cookieJar();
  jar.set(BASE, session.name, session.cookie);
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
  sleep(0.2);
}
