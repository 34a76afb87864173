// Wallboard fan-out: SUBSCRIBERS (default 500) viewers hold /wallboard/stream open for HOLD_S
// seconds (default 20) each.   npm run k6 -- wallboard-sse   (DASH_USER / DASH_PASSWORD: a
// supervisor, manager, director or admin; see benchmarks/README.md)
// k6 has no SSE client: each stream is one GET that k6 ends at HOLD_S (it reports that as a
// request timeout, expected here) and keeps the body, which is then read snapshot by snapshot.
// Without an arrival time per snapshot, delivery delay shows as staleness: at the end of the
// hold the newest snapshot a viewer has is at most one tick + delivery delay old, so
// staleness p95 ≤ TICK_MS + 100 encodes "SSE delivery p95 ≤ 100 ms at 500 subscribers".
// `npm run bench -- dashboard` measures the delay itself (a client that timestamps each event).
import { check } from "k6";
import http from "k6/http";
import { Counter, Rate, Trend } from "k6/metrics";
import { DASHBOARD, num, required, signIn, TREND_STATS, useSession } from "./lib/common.js";

const BASE = DASHBOARD();
const SUBSCRIBERS = num("SUBSCRIBERS", 500);
const HOLD_S = num("HOLD_S", 20);
const TICK_MS = num("TICK_MS", 1000);

const snapshots = new Counter("sse_snapshots");
const gap = new Trend("sse_tick_gap_ms", true);
const staleness = new Trend("sse_staleness_ms", true);
const missed = new Rate("sse_streams_missing_ticks");
const failed = new Rate("sse_streams_failed");

export const options = {
  scenarios: {
    viewers: {
      executor: "per-vu-iterations",
      vus: SUBSCRIBERS,
      iterations: 1,
      maxDuration: `${HOLD_S + 60}s`,
    },
  },
  thresholds: {
    sse_streams_failed: ["rate<0.01"],
    sse_staleness_ms: [`p(95)<${TICK_MS + num("DELAY_P95_MS", 100)}`],
    // Ticks one second apart for every viewer: the ticker kept up with the fan-out.
    sse_tick_gap_ms: [`p(95)<${TICK_MS + 100}`],
    sse_streams_missing_ticks: ["rate<0.05"],
  },
  summaryTrendStats: TREND_STATS,
};

export function setup() {
  return signIn(BASE, required("DASH_USER"), required("DASH_PASSWORD"));
}

export default function (session) {
  useSession(BASE, session);
  const res = http.get(`${BASE}/wallboard/stream`, {
    timeout: `${HOLD_S}s`,
    tags: { endpoint: "wallboard_stream" },
  });
  const ended = Date.now();
  const body = typeof res.body === "string" ? res.body : "";
  const ats = [];
  for (const m of body.matchAll(/event: snapshot\ndata: \{"at":(\d+)/g)) ats.push(Number(m[1]));
  const opened = body.startsWith("retry:");
  failed.add(!opened);
  check(res, { "stream opened": () => opened });
  if (!opened) return;
  snapshots.add(ats.length);
  for (let i = 1; i < ats.length; i++) gap.add(ats[i] - ats[i - 1]);
  if (ats.length > 0) staleness.add(ended - ats[ats.length - 1]);
  // The first tick may come up to one period after connecting; allow one more for start-up.
  missed.add(ats.length < Math.floor((HOLD_S * 1000) / TICK_MS) - 2);
}
