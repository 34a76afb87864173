// npm run bench -- speed-to-lead [--quick] [--json PATH] [--agents N] [--lead-every-s S] [--measure-s S]
//
// Speed-to-lead: how long a real-time lead waits between the intake receiving it and its first
// INVITE, while the campaign's agents are busy working an imported backlog. Real servers on
// loopback: nats-server, redis-server, drachtio-server ×2, rtpengine, the ClickHouse host fed by
// the sink (pacing's live rates); the intake (in-process, real HTTP), the live-state projector
// (in-process), the pacing service as its own process (pacing/src/service/main.ts, as npm start
// runs it: predictive, rates from ClickHouse), and the media service in-process (the media test
// stack). The carrier is the test
// stack's scripted switch: 70 % of numbers answer after 1.5–4 s with a spoken "hello?" (the
// analyzer's AMD hears a person) and talk 8–16 s (quick: 6–10 s), 30 % are busy after 2 s. Agents are SIP phones on the switch, logged in and ready; after each
// call they wrap up for 3 s and go ready again (as the console would say).
//
// Warm-up: a backlog of imported leads (lead.created, source import) until the agents are busy;
// then web-form leads are POSTed to /v1/leads at a steady rate for the measurement window. Per
// lead: intake receive time (lead.created occurred_at) → first call.dialing (INVITE sent).
// Occupancy: agents on a call, reserved or wrapping up ÷ logged in, sampled each second.
import { loadavg } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { createClickHouse, migrate, readLiveAgents, startLiveStateProjector } from "@cc/analytics";
import { type ClickHouseHost, freePort, repoRoot, spawnManaged, startClickHouseHost } from "@cc/infra";
import {
  type CallCenterEvent,
  dialSubject,
  intakeConfigFromEnv,
  makeEvent,
  publishEvent,
  type SinkHandle,
  sinkConfigFromEnv,
  startIntake,
  startSink,
} from "@cc/ingest";
import { type MediaStack, speak, startMediaStack, toInt16 } from "@cc/media/testing";
import type { BenchOptions } from "./types.ts";

const ORG = "acme";
const CAMPAIGN = "spring";
const CALLER = "+8657100000000";
const API_KEY = "speed-to-lead-bench-key-0123456789";
const METRICS_KEY = "speed-to-lead-metrics-0123456789";
const WRAP_MS = 3_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const q = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(s.length * p))]! : Number.NaN;
};
const rand = (lo: number, hi: number) => lo + Math.random() * (hi - lo);

interface Params {
  agents: number;
  leadEveryS: number;
  measureS: number;
  warmupS: number;
  backlog: number;
  talkMs: [number, number];
}

function params(o: BenchOptions): Params {
  const { values } = parseArgs({
    args: o.extra ?? [],
    options: {
      agents: { type: "string" },
      "lead-every-s": { type: "string" },
      "measure-s": { type: "string" },
    },
    strict: false,
  });
  const num = (v: unknown, d: number) => (typeof v === "string" && Number(v) > 0 ? Number(v) : d);
  return {
    agents: num(values.agents, o.quick ? 6 : 12),
    leadEveryS: num(values["lead-every-s"], o.quick ? 3 : 2),
    measureS: num(values["measure-s"], o.quick ? 90 : 300),
    warmupS: o.quick ? 25 : 45,
    backlog: o.quick ? 1_500 : 5_000,
    talkMs: o.quick ? [6_000, 10_000] : [8_000, 16_000],
  };
}

/** The scripted carrier: most numbers answer and talk for a while, some are busy. */
function carrierScript(s: MediaStack, talkMs: [number, number]): void {
  // A person's "hello?" (espeak-ng): the analyzer hears a human, so answers count as live in the
  // live rates pacing reads from ClickHouse, as on a real floor.
  const hello = toInt16(speak({ text: "喂，你好？哪位？", voice: "cmn", speed: 165, pitch: 50 }));
  s.phones.carrier(() =>
    Math.random() < 0.3
      ? { provisionalMs: 100, finalMs: 2_000, final: { status: 486 } }
      : {
          provisionalMs: 100,
          finalMs: Math.round(rand(1_500, 4_000)),
          final: { answer: true, greeting: hello, hangupAfterMs: Math.round(rand(...talkMs)) },
        },
  );
}

/** Agents back to ready after their wrap-up, as the console would report it. */
function wrapUps(s: MediaStack): () => void {
  const seen = new Set<string>();
  const timer = setInterval(() => {
    for (const e of s.events) {
      if (e.kind !== "agent.state_changed" || e.state !== "wrap_up" || seen.has(e.id)) continue;
      seen.add(e.id);
      const agentId = e.agent_id;
      setTimeout(() => {
        void s
          .agentEvent({
            kind: "agent.state_changed",
            org_id: ORG,
            agent_id: agentId,
            state: "ready",
            previous_state: "wrap_up",
            previous_state_s: WRAP_MS / 1000,
            campaign_id: CAMPAIGN,
          })
          .catch(() => {});
      }, WRAP_MS);
    }
  }, 200);
  return () => clearInterval(timer);
}

/** ClickHouse with the sink feeding it: pacing reads its live rates (answer rate, talk time) there. */
async function startHistory(s: MediaStack): Promise<{ host: ClickHouseHost; sink: SinkHandle }> {
  const host = await startClickHouseHost();
  const ch = createClickHouse({
    url: host.url,
    username: host.writer.username,
    password: host.writer.password,
  });
  await migrate(ch);
  await ch.close();
  const sink = await startSink(
    sinkConfigFromEnv({
      NATS_URL: s.natsUrl,
      CLICKHOUSE_URL: host.url,
      CLICKHOUSE_USER: host.writer.username,
      CLICKHOUSE_PASSWORD: host.writer.password,
      SINK_HTTP_PORT: String(await freePort()),
      SINK_BATCH_MS: "200",
      LOG_LEVEL: "warn",
    }),
  );
  return { host, sink };
}

async function startPacing(s: MediaStack, ch: ClickHouseHost) {
  const port = await freePort();
  const proc = await spawnManaged({
    name: "pacing",
    command: process.execPath,
    args: [path.join(repoRoot, "pacing/src/service/main.ts")],
    env: {
      ...process.env,
      NATS_URL: s.natsUrl,
      REDIS_URL: s.redisUrl,
      CLICKHOUSE_URL: ch.url,
      CLICKHOUSE_USER: ch.writer.username,
      CLICKHOUSE_PASSWORD: ch.writer.password,
      CC_ORG_ID: ORG,
      CC_CAMPAIGNS: JSON.stringify([
        {
          id: CAMPAIGN,
          caller_id: CALLER,
          mode: "predictive",
          window: { start: "00:00", end: "24:00" },
        },
      ]),
      PACING_HTTP_PORT: String(port),
      METRICS_API_KEY: METRICS_KEY,
      LOG_LEVEL: "warn",
    },
    ready: async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => null))?.ok ?? false,
    readyTimeoutMs: 30_000,
  });
  return { proc, port };
}

/** The imported backlog: lead.created (source import) straight onto the events stream. */
async function publishBacklog(s: MediaStack, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await publishEvent(
      s.js,
      makeEvent({
        kind: "lead.created",
        org_id: ORG,
        lead_id: `imp-${i}`,
        source: "import",
        campaign_id: CAMPAIGN,
        phone: `+86139${String(i).padStart(8, "0")}`,
        consent: { given: true, method: "written" },
      }),
    );
  }
}

async function postLead(intakeUrl: string, i: number): Promise<number> {
  const r = await fetch(`${intakeUrl}/v1/leads`, {
    method: "POST",
    headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({
      lead_id: `web-${i}`,
      phone: `138${String(i).padStart(8, "0")}`,
      name: `Web lead ${i}`,
      source: "web_form",
      campaign_id: CAMPAIGN,
      consent: { given: true, method: "web_form" },
    }),
  });
  return r.status;
}

/** Per posted lead: received → first INVITE, split at the media service taking the command. */
function speeds(events: CallCenterEvent[], posted: Set<string>, commanded: Map<string, number>) {
  const first = (kind: string) => {
    const m = new Map<string, number>();
    for (const e of events)
      if (e.kind === kind && "lead_id" in e && posted.has(e.lead_id as string) && !m.has(e.lead_id as string))
        m.set(e.lead_id as string, Date.parse(e.occurred_at));
    return m;
  };
  const received = first("lead.created");
  const created = first("call.attempt_created");
  const dialed = first("call.dialing");
  const ms: number[] = [];
  const toCommand: number[] = [];
  const toInvite: number[] = [];
  const toIssued: number[] = [];
  for (const [id, at] of received) {
    const d = dialed.get(id);
    if (d === undefined) continue;
    ms.push(d - at);
    const issued = commanded.get(id);
    if (issued !== undefined) toIssued.push(issued - at);
    const c = created.get(id);
    if (c !== undefined) {
      toCommand.push(c - at);
      toInvite.push(d - c);
    }
  }
  // The pacer's side: how long until its next decision that launched anything.
  const launches = events
    .filter((e) => e.kind === "pacing.decision" && e.launch > 0)
    .map((e) => Date.parse(e.occurred_at))
    .sort((a, b) => a - b);
  const toLaunch: number[] = [];
  for (const at of received.values()) {
    const next = launches.find((t) => t >= at);
    if (next !== undefined) toLaunch.push(next - at);
  }
  return { ms, toCommand, toInvite, toIssued, toLaunch, undialed: received.size - ms.length };
}

/** Occupancy of one sample: agents on a call, reserved or wrapping up ÷ agents logged in. */
async function occupancySample(s: MediaStack): Promise<number | null> {
  const agents = await readLiveAgents(s.redis, { orgId: ORG }, Date.now());
  const inn = agents.filter((a) => a.state !== "logged_out");
  if (!inn.length) return null;
  return inn.filter((a) => ["on_call", "reserved", "wrap_up"].includes(a.state)).length / inn.length;
}

export async function run(o: BenchOptions) {
  const p = params(o);
  const load0 = loadavg()[0]!;
  console.log(
    `speed-to-lead: ${p.agents} agents, backlog ${p.backlog}, a web lead every ${p.leadEveryS} s for ${p.measureS} s`,
  );
  const s = await startMediaStack({
    org: ORG,
    campaignId: CAMPAIGN,
    campaign: { mode: "predictive", ring_timeout_s: 20 },
    drachtioLogLevel: "warning",
  });
  const history = await startHistory(s);
  const projector = await startLiveStateProjector({ nats: s.nc, redis: s.redis, lookbackMs: 60_000 });
  const intake = await startIntake(
    intakeConfigFromEnv({
      NATS_URL: s.natsUrl,
      INTAKE_PORT: "0",
      INTAKE_API_KEYS: JSON.stringify([{ name: "bench", key: API_KEY, org_id: ORG }]),
      LOG_LEVEL: "warn",
    }),
  );
  const intakeUrl = `http://127.0.0.1:${intake.port}`;
  let pacing: Awaited<ReturnType<typeof startPacing>> | undefined;
  let stopWraps = () => {};
  try {
    carrierScript(s, p.talkMs);
    stopWraps = wrapUps(s);
    for (let i = 0; i < p.agents; i++) await s.readyAgent(`ag-${i}`);
    pacing = await startPacing(s, history.host);
    await publishBacklog(s, p.backlog);
    console.log(`warming up ${p.warmupS} s (agents getting busy on the backlog)…`);
    await sleep(p.warmupS * 1000);

    const posted = new Set<string>();
    // Dial commands as pacing issues them (first per lead), to split pacing's time from the stream's.
    const commanded = new Map<string, number>();
    s.nc.subscribe(dialSubject(ORG, CAMPAIGN), {
      callback: (_e, m) => {
        const c = m.json<{ lead_id: string; issued_at: string }>();
        if (!commanded.has(c.lead_id)) commanded.set(c.lead_id, Date.parse(c.issued_at));
      },
    });
    const occupancy: number[] = [];
    const refused: number[] = [];
    const t0 = performance.now();
    const total = Math.floor(p.measureS / p.leadEveryS);
    let nextSample = 0;
    for (let i = 0; i < total; i++) {
      const due = t0 + i * p.leadEveryS * 1000;
      while (performance.now() < due) {
        if (performance.now() >= nextSample) {
          nextSample = performance.now() + 1000;
          const occ = await occupancySample(s);
          if (occ !== null) occupancy.push(occ);
        }
        await sleep(Math.min(100, Math.max(0, due - performance.now())));
      }
      const status = await postLead(intakeUrl, i);
      if (status === 202) posted.add(`web-${i}`);
      else refused.push(status);
    }
    // The last leads get the same chance as the others: 30 s to be dialed.
    await sleep(30_000);
    const { ms, toCommand, toInvite, toIssued, toLaunch, undialed } = speeds(s.events, posted, commanded);
    const metrics = await fetch(`http://127.0.0.1:${pacing.port}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_KEY}` },
    }).then((r) => r.text());
    const histCount = Number(/pacing_speed_to_lead_ms_count\{[^}]*\} (\d+)/.exec(metrics)?.[1] ?? 0);
    const calls = s.events.filter((e) => e.kind === "call.dialing").length;
    const bridged = s.events.filter((e) => e.kind === "call.bridged").length;
    const abandoned = s.events.filter((e) => e.kind === "call.abandoned").length;
    const result = {
      speed_to_lead_ms_p50: Math.round(q(ms, 0.5)),
      speed_to_lead_ms_p95: Math.round(q(ms, 0.95)),
      speed_to_lead_ms_max: Math.round(Math.max(...ms)),
      // Where the time goes: pacing (received → the media service has the attempt), media (→ INVITE).
      lead_to_next_launch_ms_p50: Math.round(q(toLaunch, 0.5)),
      lead_to_next_launch_ms_p95: Math.round(q(toLaunch, 0.95)),
      lead_to_command_ms_p50: Math.round(q(toIssued, 0.5)),
      lead_to_command_ms_p95: Math.round(q(toIssued, 0.95)),
      lead_to_attempt_ms_p50: Math.round(q(toCommand, 0.5)),
      lead_to_attempt_ms_p95: Math.round(q(toCommand, 0.95)),
      attempt_to_invite_ms_p50: Math.round(q(toInvite, 0.5)),
      attempt_to_invite_ms_p95: Math.round(q(toInvite, 0.95)),
      target_ms_p95: 10_000,
      target_met: q(ms, 0.95) <= 10_000,
      count: ms.length,
      leads_posted: posted.size,
      leads_refused_by_intake: refused.length,
      leads_not_dialed: undialed,
      pacing_histogram_count: histCount,
      agents: p.agents,
      occupancy_mean: occupancy.length ? occupancy.reduce((a, b) => a + b, 0) / occupancy.length : null,
      occupancy_p50: occupancy.length ? q(occupancy, 0.5) : null,
      calls_dialed: calls,
      calls_bridged: bridged,
      calls_abandoned: abandoned,
      backlog: p.backlog,
      lead_every_s: p.leadEveryS,
      measure_s: p.measureS,
      load_average_1m_start: Math.round(load0 * 100) / 100,
      load_average_1m_end: Math.round(loadavg()[0]! * 100) / 100,
    };
    console.table({
      "p50 ms": result.speed_to_lead_ms_p50,
      "p95 ms": result.speed_to_lead_ms_p95,
      "max ms": result.speed_to_lead_ms_max,
      dialed: `${result.count}/${result.leads_posted}`,
      occupancy: result.occupancy_mean?.toFixed(2),
      "load avg": `${result.load_average_1m_start} → ${result.load_average_1m_end}`,
    });
    return result;
  } finally {
    stopWraps();
    await pacing?.proc.stop().catch(() => {});
    await intake.stop().catch(() => {});
    await projector.stop().catch(() => {});
    await history.sink.stop().catch(() => {});
    await history.host.stop().catch(() => {});
    await s.stop();
  }
}
