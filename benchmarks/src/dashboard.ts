// npm run bench -- dashboard [--quick] [--json PATH]
// Over a generated history (≈100M events full, ≈3.6M --quick) in the embedded ClickHouse
// host: wallboard KPI query latency (the aggregated-table live queries), funnel over up to
// 10M calls, ROI and workload queries; then against the built dashboard server: live
// wallboard push fan-out to 500 SSE subscribers (delivery delay of each 1-second snapshot)
// and the agent-console API under load with k6 (benchmarks/k6/agent-console.js).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { loadavg } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import {
  createClickHouse,
  funnelReport,
  liveRates,
  migrate,
  roiReport,
  wallboardQueries,
  workloadReport,
} from "@cc/analytics";
import {
  freePort,
  type ManagedProcess,
  repoRoot,
  spawnManaged,
  startClickHouseHost,
  startNats,
  startRedis,
  tempDir,
} from "@cc/infra";
import { connectNats, ensureStreams } from "@cc/ingest";
import type { ClickHouseClient } from "@clickhouse/client";
import { jetstreamManager } from "@nats-io/jetstream";
import { clearDir, historyCacheRoot, historyKey, readMarker, writeMarker } from "./history/cache.ts";

/** The marker of a finished history directory, whatever its key. */
async function readAnyMarker(dir: string) {
  try {
    const key = (JSON.parse(await readFile(path.join(dir, "complete.json"), "utf8")) as { key?: unknown })
      .key;
    return typeof key === "string" ? await readMarker(dir, key) : null;
  } catch {
    return null;
  }
}

import { generateHistory, historySize } from "./history/index.ts";
import { K6_DIR, k6Binary } from "./k6.ts";
import type { BenchOptions } from "./types.ts";

const ORG = "bench-org";
const DAY = 86_400_000;

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : Number.NaN;
}
const r2 = (n: number) => Math.round(n * 100) / 100;
const load1 = () => r2(loadavg()[0] ?? 0);
const stats = (xs: number[]) => ({
  n: xs.length,
  p50: r2(pct(xs, 50)),
  p95: r2(pct(xs, 95)),
  p99: r2(pct(xs, 99)),
  max: r2(Math.max(...xs)),
});

async function timed<T>(f: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const v = await f();
  return [performance.now() - t, v];
}

/** Latency of each wallboard KPI query (liveRates per campaign + the wallboard's aggregate reads). */
async function wallboardBench(ch: ClickHouseClient, now: Date, iterations: number) {
  const perQuery: number[] = [];
  const liveRatesMs: number[] = [];
  const snapshotMs: number[] = [];
  const byName = new Map<string, number[]>();
  const w = { orgId: ORG, dayStart: new Date(now.getTime() - DAY), now, serviceLevelSeconds: 20 };
  for (let i = 0; i < iterations; i++) {
    const [lr] = await timed(() =>
      liveRates(ch, {
        orgId: ORG,
        campaignId: `camp-${i % 20}`,
        windowSeconds: [60, 300, 3600][i % 3]!,
        now,
      }),
    );
    liveRatesMs.push(lr);
    perQuery.push(lr);
    if (i % 5 === 0) {
      // One whole wallboard refresh: all aggregate queries in parallel, each timed too.
      const qs = Object.entries(wallboardQueries(w));
      const [all] = await timed(() =>
        Promise.all(
          qs.map(async ([name, q]) => {
            const [ms] = await timed(async () => {
              const rs = await ch.query({ query: q.text, query_params: q.params, format: "JSONEachRow" });
              await rs.json();
            });
            perQuery.push(ms);
            byName.set(name, [...(byName.get(name) ?? []), ms]);
          }),
        ),
      );
      snapshotMs.push(all);
    }
  }
  return { perQuery, liveRatesMs, snapshotMs, byName };
}

async function reportBench(
  ch: ClickHouseClient,
  from: string,
  to: string,
  runs: number,
  workloadOnly = false,
) {
  const scope = { orgId: ORG };
  const funnel: number[] = [];
  const funnelByCampaign: number[] = [];
  const roi: number[] = [];
  const roiHeat: number[] = [];
  const workload: number[] = [];
  let dialed = 0;
  for (let i = 0; i <= runs && workloadOnly; i++) {
    const [wl] = await timed(() => workloadReport(ch, scope, { from, to, grain: "agent_day" }));
    if (i > 0) workload.push(wl);
  }
  for (let i = 0; i <= runs && !workloadOnly; i++) {
    const [f, fr] = await timed(() => funnelReport(ch, scope, { from, to, windowSeconds: 7 * 86_400 }));
    const [fc] = await timed(() =>
      funnelReport(ch, scope, { from, to, windowSeconds: 7 * 86_400, breakdown: "campaign" }),
    );
    const [r] = await timed(() => roiReport(ch, scope, { from, to }));
    const [rh] = await timed(() => roiReport(ch, scope, { from, to, groupBy: "heatmap" }));
    const [wl] = await timed(() => workloadReport(ch, scope, { from, to, grain: "agent_day" }));
    dialed = fr.total.steps[0]?.count ?? 0;
    if (i === 0) continue; // warm-up
    funnel.push(f);
    funnelByCampaign.push(fc);
    roi.push(r);
    roiHeat.push(rh);
    workload.push(wl);
  }
  // The dashboard's reports ask for the query result cache (60 s): the same view opened again.
  const cached = { cacheTtlS: 60 };
  const funnelCached: number[] = [];
  const roiCached: number[] = [];
  for (let i = 0; i <= runs && !workloadOnly; i++) {
    const [f] = await timed(() => funnelReport(ch, scope, { from, to, windowSeconds: 7 * 86_400 }, cached));
    const [r] = await timed(() => roiReport(ch, scope, { from, to }, cached));
    if (i === 0) continue; // the first one computes and stores
    funnelCached.push(f);
    roiCached.push(r);
  }
  return { funnel, funnelByCampaign, roi, roiHeat, workload, dialed, funnelCached, roiCached };
}

async function countCalls(ch: ClickHouseClient, from: string, to: string): Promise<number> {
  const rs = await ch.query({
    query: `SELECT count() AS n FROM report_lead_events WHERE org_id = {org:String} AND kind = 'call.attempt_created'
      AND ts >= {from:DateTime64(3, 'UTC')} AND ts < {to:DateTime64(3, 'UTC')}`,
    query_params: {
      org: ORG,
      from: from.replace("T", " ").replace("Z", ""),
      to: to.replace("T", " ").replace("Z", ""),
    },
    format: "JSONEachRow",
  });
  const rows = (await rs.json()) as { n: string | number }[];
  return Number(rows[0]?.n ?? 0);
}

/** Form POST the way a browser does (SvelteKit checks Origin on form submissions). */
async function post(base: string, p: string, body: Record<string, string>, cookie = ""): Promise<Response> {
  return fetch(`${base}${p}`, {
    method: "POST",
    redirect: "manual",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      origin: base,
      "x-sveltekit-action": "true",
      ...(cookie ? { cookie } : {}),
    },
    body: new URLSearchParams(body),
  });
}

async function signIn(base: string, username: string, password: string): Promise<string> {
  const res = await post(base, "/login", { username, password });
  const c = res.headers.getSetCookie().find((h) => h.startsWith("cc_session="));
  if (!c) throw new Error(`sign-in as ${username} failed: HTTP ${res.status}`);
  return c.split(";")[0]!;
}

/** Signs in (changing the one-time password first) and returns the session cookie. */
async function signInFresh(
  base: string,
  username: string,
  oneTime: string,
  password: string,
): Promise<string> {
  const cookie = await signIn(base, username, oneTime);
  const res = await post(
    base,
    "/account/password",
    { current: oneTime, next: password, confirm: password },
    cookie,
  );
  if (res.status >= 400) throw new Error(`password change for ${username} failed: HTTP ${res.status}`);
  return cookie;
}

interface FanoutResult {
  subscribers: number;
  connected: number;
  snapshots: number;
  delayMs: number[];
  perTickSpreadMs: number[];
  errors: number;
}

/** Opens `n` SSE subscriptions to the wallboard and measures each snapshot's delivery delay. */
async function fanout(base: string, cookie: string, n: number, seconds: number): Promise<FanoutResult> {
  const ctrl = new AbortController();
  const delayMs: number[] = [];
  const byTick = new Map<number, number[]>();
  let connected = 0;
  let errors = 0;
  let snapshots = 0;
  const one = async () => {
    try {
      const res = await fetch(`${base}/wallboard/stream`, { headers: { cookie }, signal: ctrl.signal });
      if (!res.ok || !res.body) {
        errors++;
        return;
      }
      connected++;
      const dec = new TextDecoder();
      let buf = "";
      for await (const chunk of res.body) {
        buf += dec.decode(chunk as Uint8Array, { stream: true });
        let i = buf.indexOf("\n\n");
        while (i >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          i = buf.indexOf("\n\n");
          if (!block.startsWith("event: snapshot")) continue;
          const data = block.slice(block.indexOf("data: ") + 6);
          // Only the timestamp is needed; avoid parsing whole snapshots 500 times a second.
          const m = /"at":(\d+)/.exec(data);
          if (!m) continue;
          const at = Number(m[1]);
          const d = Date.now() - at;
          delayMs.push(d);
          snapshots++;
          const arr = byTick.get(at) ?? [];
          arr.push(d);
          byTick.set(at, arr);
        }
      }
    } catch (err) {
      if ((err as Error).name !== "AbortError") errors++;
    }
  };
  const all = Array.from({ length: n }, one);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  ctrl.abort();
  await Promise.allSettled(all);
  const perTickSpreadMs = [...byTick.values()]
    .filter((a) => a.length > 1)
    .map((a) => Math.max(...a) - Math.min(...a));
  return { subscribers: n, connected, snapshots, delayMs, perTickSpreadMs, errors };
}

/** Runs one script of the k6 suite (benchmarks/k6) against the bench's dashboard; k6's summary as JSON. */
async function runK6Script(name: string, env: Record<string, string>) {
  const bin = k6Binary();
  if (!bin) return null;
  const out = path.join(await tempDir("k6"), `${name}.json`);
  const code = await new Promise<number>((resolve, reject) => {
    const p = spawn(
      bin,
      ["run", "--quiet", "--no-usage-report", "--summary-export", out, path.join(K6_DIR, `${name}.js`)],
      { env: { ...process.env, ...env }, stdio: ["ignore", "inherit", "pipe"] },
    );
    // wallboard-sse ends each stream by k6's request timeout, which k6 logs once per viewer.
    createInterface({ input: p.stderr }).on("line", (line) => {
      if (!line.includes('error="request timeout"')) process.stderr.write(`${line}\n`);
    });
    p.on("error", reject);
    p.on("exit", (c) => resolve(c ?? 1));
  });
  const summary = JSON.parse(await readFile(out, "utf8")) as {
    metrics: Record<string, Record<string, number>>;
  };
  return { exit_code: code, metrics: summary.metrics };
}

async function runK6(base: string, user: string, password: string, vus: number, duration: string) {
  const r = await runK6Script("agent-console", {
    BASE_URL: base,
    AGENT_USER: user,
    AGENT_PASSWORD: password,
    VUS: String(vus),
    DURATION: duration,
  });
  if (!r) return null;
  const d = r.metrics.http_req_duration ?? {};
  return {
    exit_code: r.exit_code,
    vus,
    duration,
    requests: r.metrics.http_reqs?.count ?? 0,
    requests_per_s: r2(r.metrics.http_reqs?.rate ?? 0),
    failed_rate: r.metrics.http_req_failed?.value ?? r.metrics.http_req_failed?.rate ?? null,
    http_req_duration_ms: {
      p50: r2(d.med ?? 0),
      p90: r2(d["p(90)"] ?? 0),
      p95: r2(d["p(95)"] ?? 0),
      p99: r2(d["p(99)"] ?? 0),
      max: r2(d.max ?? 0),
    },
  };
}

/**
 * The rest of the k6 suite once, short, against this dashboard as a load tester would run it
 * (npm run k6): each script's exit code (99 = a threshold did not hold) and headline figures.
 */
async function runK6Suite(base: string, user: string, password: string, quick: boolean) {
  const common = { BASE_URL: base, DASH_USER: user, DASH_PASSWORD: password };
  const pick = (m: Record<string, number> | undefined) =>
    m
      ? { p50: r2(m.med ?? 0), p95: r2(m["p(95)"] ?? 0), max: r2(m.max ?? 0), rate: m.rate ?? m.value }
      : null;
  const out: Record<string, unknown> = {};
  const sse = await runK6Script("wallboard-sse", {
    ...common,
    SUBSCRIBERS: "500",
    HOLD_S: quick ? "10" : "20",
  });
  out["wallboard-sse"] = sse && {
    exit_code: sse.exit_code,
    snapshots: sse.metrics.sse_snapshots?.count ?? 0,
    staleness_ms: pick(sse.metrics.sse_staleness_ms),
    tick_gap_ms: pick(sse.metrics.sse_tick_gap_ms),
    streams_failed: sse.metrics.sse_streams_failed?.value ?? null,
  };
  const dur = quick ? "10s" : "30s";
  for (const name of ["reports", "analyst-sql"]) {
    const r = await runK6Script(name, { ...common, DURATION: dur, RANGE_DAYS: "7" });
    out[name] = r && {
      exit_code: r.exit_code,
      requests: r.metrics.http_reqs?.count ?? 0,
      checks_passed: r.metrics.checks?.value ?? null,
      funnel_ms: pick(r.metrics["http_req_duration{report:funnel}"]),
      roi_ms: pick(r.metrics["http_req_duration{report:roi}"]),
      workload_ms: pick(r.metrics["http_req_duration{report:workload}"]),
      sql_ms: pick(r.metrics["http_req_duration{endpoint:sql}"]),
    };
  }
  return out;
}

/**
 * The host over the generated history: reused from disk when a finished one with the same key
 * (generator, migrations, size, seed) is there (`--fresh` regenerates), else generated into
 * that directory and marked finished. `--no-keep` generates into a temp dir as before.
 */
/**
 * --days N: the full size's daily rate (attempts, leads per day) and agents over N days instead
 * of 30 — what the wallboard reads (today, the last 24 h) is the same, generated in N/30 of the time.
 */
export function scaledSize(quick: boolean, extra: string[]): ReturnType<typeof historySize> {
  const size = historySize(quick);
  const i = extra.indexOf("--days");
  if (i < 0) return size;
  const days = Number(extra[i + 1]);
  const full = size.days ?? 30;
  if (!Number.isInteger(days) || days < 1 || days > full)
    throw new Error(`--days: 1..${full}, got ${extra[i + 1]}`);
  const per = (n: number | undefined) => Math.round(((n ?? 0) * days) / full);
  return { ...size, days, attempts: per(size.attempts), leads: per(size.leads) };
}

async function historyHost(quick: boolean, extra: string[], log: (m: string) => void) {
  const size = scaledSize(quick, extra);
  const days = size.days ?? 30;
  const options = { ...size, orgId: ORG, seed: 1, days };
  const keep = !extra.includes("--no-keep");
  // --history-dir PATH: a finished history kept under another key (e.g. before a migration was
  // added); migrate() below applies the newer migrations, whose backfills fill their tables.
  const given = extra[extra.indexOf("--history-dir") + 1];
  const stale = extra.includes("--history-dir") && given ? await readAnyMarker(given) : null;
  if (extra.includes("--history-dir") && !stale)
    throw new Error(`--history-dir: no finished history in ${given}`);
  const key = stale?.key ?? (await historyKey(options));
  const dir = stale && given ? path.resolve(given) : path.join(historyCacheRoot(), key);
  const marker = keep && !extra.includes("--fresh") ? await readMarker(dir, key) : null;
  if (keep && !marker) await clearDir(dir);
  const opened = performance.now();
  const host = await startClickHouseHost(keep ? { dataDir: dir } : {});
  const ch = createClickHouse({ url: host.url, ...host.writer, requestTimeoutMs: 3_600_000 });
  await migrate(ch);
  if (marker) {
    const s = marker.summary;
    log(
      `history reused from ${dir} (written ${marker.written_at}): ${s.events.toLocaleString("en-US")} events, ${s.from} → ${s.to}, opened in ${((performance.now() - opened) / 1000).toFixed(1)} s`,
    );
    return { host, ch, hist: { ...s, stages: s.stages ?? [] }, reused: true, dir: keep ? dir : null, days };
  }
  const end = Math.floor(Date.now() / DAY) * DAY;
  log(
    `generating history: ${size.attempts?.toLocaleString("en-US")} attempts over ${days} days${keep ? ` into ${dir}` : ""}…`,
  );
  const hist = await generateHistory(ch, { ...options, startMs: end - days * DAY }, (m) => {
    if (/00,000 \//.test(m) || m.includes(" rows in ")) log(m);
  });
  if (keep) await writeMarker(dir, key, hist);
  return { host, ch, hist, reused: false, dir: keep ? dir : null, days };
}

export async function run({ quick, extra }: BenchOptions): Promise<Record<string, unknown>> {
  const size = scaledSize(quick, extra);
  const log = (m: string) => console.log(`[dashboard bench] ${m}`);
  const loadBefore = loadavg();
  const { host: h, ch, hist, reused, dir: historyDir, days } = await historyHost(quick, extra, log);
  await using host = h;
  // --generate-only: make (or find) the kept history and stop; a later run measures on it.
  if (extra.includes("--generate-only")) {
    await ch.close();
    return { history: { ...hist, reused, dir: historyDir } };
  }
  const end = Date.parse(hist.to);
  log(
    `history: ${hist.events.toLocaleString("en-US")} events${reused ? " (reused; generated" : ""} in ${hist.seconds.toFixed(1)} s (${Math.round(hist.eventsPerSecond).toLocaleString("en-US")} events/s)${reused ? ")" : ""}`,
  );

  // Wallboard KPI queries at "now" = the end of the history.
  const now = new Date(end - 1000);
  await wallboardBench(ch, now, 10); // warm-up
  const wb = await wallboardBench(ch, now, quick ? 150 : 600);
  const loadWallboard = load1();

  // Funnel, ROI, workload over the last part of the history holding ≤ 10M calls.
  const attempts = size.attempts ?? 0;
  const fraction = Math.min(1, 10_000_000 / attempts);
  const from = new Date(end - Math.round(days * DAY * fraction)).toISOString();
  const to = new Date(end).toISOString();
  const calls = await countCalls(ch, from, to);
  log(`reports over ${from} → ${to}: ${calls.toLocaleString("en-US")} calls`);
  // --wallboard-only: the wallboard and the workload report, no funnel/ROI and no live dashboard.
  const wallboardOnly = extra.includes("--wallboard-only");
  const rep = await reportBench(ch, from, to, wallboardOnly ? 10 : 3, wallboardOnly);
  const loadReports = load1();
  let loadFanout = Number.NaN;
  let loadK6 = Number.NaN;

  // The live dashboard: fan-out and agent console under k6.
  let fan: FanoutResult | null = null;
  let k6: Awaited<ReturnType<typeof runK6>> = null;
  let k6Suite: Awaited<ReturnType<typeof runK6Suite>> | null = null;
  // BENCH_DASHBOARD_BUILD: a copy of the build, so another engineer's rebuild cannot pull it away mid-run.
  const build = process.env.BENCH_DASHBOARD_BUILD || path.join(repoRoot, "dashboard/build/index.js");
  if (!wallboardOnly && !existsSync(build)) {
    log("dashboard/build missing: building it (npm run build -w dashboard)…");
    await new Promise<void>((resolve, reject) => {
      const p = spawn("npm", ["run", "build", "-w", "dashboard"], { cwd: repoRoot, stdio: "inherit" });
      p.on("exit", (c) => (c === 0 ? resolve() : reject(new Error(`dashboard build failed (${c})`))));
    });
  }
  try {
    if (wallboardOnly) throw new Error("skipped (--wallboard-only)");
    await using nats = await startNats();
    await using redis = await startRedis();
    // The dashboard's live-state projector reads the events stream: create it as the stack does.
    const nc = await connectNats(nats.url);
    await ensureStreams(await jetstreamManager(nc));
    await nc.close();
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    let oneTime = "";
    const dash: ManagedProcess = await spawnManaged({
      name: "dashboard",
      command: process.execPath,
      args: [build],
      env: {
        ...process.env,
        HOST: "127.0.0.1",
        PORT: String(port),
        ORIGIN: base,
        CLICKHOUSE_URL: host.url,
        CLICKHOUSE_USER: host.writer.username,
        CLICKHOUSE_PASSWORD: host.writer.password,
        CLICKHOUSE_ANALYST_USER: host.analyst.username,
        CLICKHOUSE_ANALYST_PASSWORD: host.analyst.password,
        CLICKHOUSE_ORG_ANALYST_SECRET: host.orgAnalystSecret,
        REDIS_URL: redis.url,
        NATS_URL: nats.url,
        CC_ORG: ORG,
        LOG_LEVEL: "warn",
        LOGIN_MAX_FAILURES: "1000",
      },
      ready: async () => (await fetch(`${base}/health`)).ok,
      readyTimeoutMs: 60_000,
      onLine: (line) => {
        const m = /"one_time_password":"([^"]+)"/.exec(line);
        if (m) oneTime = m[1]!;
      },
    });
    try {
      for (let i = 0; i < 50 && !oneTime; i++) await new Promise((r) => setTimeout(r, 100));
      const adminPassword = "bench-admin-password-1";
      const admin = await signInFresh(base, "admin", oneTime, adminPassword);
      const created = await post(
        base,
        "/admin?/user",
        {
          username: "bench-agent",
          displayName: "Bench Agent",
          role: "agent",
          department: "sales",
          team: "team-0",
          teams: "",
          agentId: "agent-0",
          password: "bench-agent-initial-1",
        },
        admin,
      );
      if (created.status >= 400) throw new Error(`creating the bench agent failed: HTTP ${created.status}`);
      await signInFresh(base, "bench-agent", "bench-agent-initial-1", "bench-agent-password-1");

      log(`fan-out: 500 wallboard subscribers for ${quick ? 10 : 30} s…`);
      fan = await fanout(base, admin, 500, quick ? 10 : 30);
      loadFanout = load1();
      log(`k6: agent console, ${quick ? 20 : 50} VUs…`);
      k6 = await runK6(base, "bench-agent", "bench-agent-password-1", quick ? 20 : 50, quick ? "15s" : "60s");
      loadK6 = load1();
      if (!k6) log("k6 not found (bin/k6, or K6_BIN): skipped");
      else {
        log("k6 suite: wallboard-sse (500 viewers), reports, analyst-sql…");
        k6Suite = await runK6Suite(base, "admin", adminPassword, quick);
      }
    } finally {
      await dash.stop();
    }
  } catch (err) {
    // The query figures above stand on their own; say why the live part is missing.
    log(`live dashboard part failed: ${(err as Error).message}`);
  }
  await ch.close();

  const wbStats = stats(wb.perQuery);
  // The box is shared: the 1-minute load average after each phase stands beside its figures.
  const table = [
    { measure: "wallboard KPI query (each)", ...wbStats, load1: loadWallboard },
    { measure: "liveRates", ...stats(wb.liveRatesMs), load1: loadWallboard },
    { measure: "wallboard refresh (all queries)", ...stats(wb.snapshotMs), load1: loadWallboard },
    ...[...wb.byName].map(([name, xs]) => ({
      measure: `  wallboard ${name}`,
      ...stats(xs),
      load1: loadWallboard,
    })),
    { measure: `funnel (${calls.toLocaleString("en-US")} calls)`, ...stats(rep.funnel), load1: loadReports },
    { measure: "funnel by campaign", ...stats(rep.funnelByCampaign), load1: loadReports },
    { measure: "ROI by channel (last touch)", ...stats(rep.roi), load1: loadReports },
    { measure: "ROI heatmap", ...stats(rep.roiHeat), load1: loadReports },
    { measure: "workload agent × day", ...stats(rep.workload), load1: loadReports },
    { measure: "funnel, same view again (result cache)", ...stats(rep.funnelCached), load1: loadReports },
    { measure: "ROI, same view again (result cache)", ...stats(rep.roiCached), load1: loadReports },
  ];
  if (fan)
    table.push({
      measure: `SSE delivery delay (${fan.connected} subscribers)`,
      ...stats(fan.delayMs),
      load1: loadFanout,
    });
  if (k6)
    table.push({
      measure: "k6 agent console http_req_duration",
      n: k6.requests,
      ...k6.http_req_duration_ms,
      load1: loadK6,
    });
  console.table(table);

  return {
    history: { ...hist, reused, dir: historyDir },
    load_average_before: loadBefore,
    load1_after: { wallboard: loadWallboard, reports: loadReports, fanout: loadFanout, k6: loadK6 },
    wallboard_query_ms: wbStats,
    live_rates_ms: stats(wb.liveRatesMs),
    wallboard_refresh_ms: stats(wb.snapshotMs),
    wallboard_by_query_ms: Object.fromEntries([...wb.byName].map(([name, xs]) => [name, stats(xs)])),
    funnel_calls: calls,
    funnel_leads_dialed: rep.dialed,
    funnel_query_ms: r2(pct(rep.funnel, 50)),
    funnel_query_ms_detail: stats(rep.funnel),
    funnel_by_campaign_ms: stats(rep.funnelByCampaign),
    roi_query_ms: r2(pct(rep.roi, 50)),
    roi_query_ms_detail: stats(rep.roi),
    roi_heatmap_ms: stats(rep.roiHeat),
    workload_query_ms: stats(rep.workload),
    funnel_cached_ms: stats(rep.funnelCached),
    roi_cached_ms: stats(rep.roiCached),
    fanout_subscribers: fan?.connected ?? 0,
    fanout: fan
      ? {
          requested: fan.subscribers,
          connected: fan.connected,
          errors: fan.errors,
          snapshots_delivered: fan.snapshots,
          delivery_delay_ms: stats(fan.delayMs),
          per_tick_spread_ms: stats(fan.perTickSpreadMs),
        }
      : null,
    k6_agent_console: k6,
    k6_suite: k6Suite,
    k6_p95_ms: k6?.http_req_duration_ms.p95 ?? null,
    targets: { wallboard_p95_ms: 20, funnel_ms: 300 },
  };
}
