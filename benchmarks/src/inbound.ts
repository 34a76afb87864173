// npm run bench -- inbound [--quick] [--json PATH] [--rates 2,5,10] [--hold-s S] [--agents N]
//
// Inbound calls on this machine, real servers on loopback: nats-server, redis-server, two
// drachtio-servers (ours, and the phone switch for callers and agents), rtpengine (userspace,
// recording with its pcap method), the media service as its own process (main.ts). Callers dial a number that goes
// straight to an ACD queue; N agents with the queue's skill are ready with phones that keep
// sending a tone; each caller sends another tone for the hold time and hangs up; an agent is made
// ready again 200 ms after each call (a fast wrap-up), so agents are the only limit.
//
// At each offered rate (calls/s for `window` seconds):
// - answer_to_agent_ms: from the caller's 200 OK to the first 20 ms of the agent's tone heard by
//   the caller (bridge + audio path), p50/p95; the service's own figure (inbound.answered
//   answer_to_agent_ms) beside it;
// - a rate holds when ≥ 99 % of offered calls were answered by an agent and the p95 ≤ 1000 ms.
// Recordings: every answered call's recording (recording.stored) is checked with @cc/media's
// verifyRecording (file there, checksum, plays, caller tone on the left and agent tone on the
// right): recordings_ok; MB/s written and the most calls recorded at once.
// Caller lookup: the Redis customer index loaded with 100k callers and 20k blacklisted numbers,
// 5000 lookups 8 at a time through the service's CallerDirectory (p50/p95/p99), and the
// lookup_ms the service measured on the benchmark's own calls.
import { loadavg } from "node:os";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parseArgs } from "node:util";
import type { CallCenterEvent } from "@cc/ingest";
import { agentSipCredentials, CallerDirectory, tone, verifyRecording } from "@cc/media";
import {
  type AgentPhone,
  type Caller,
  callIn,
  type MediaStack,
  startMediaStack,
  toneShare,
} from "@cc/media/testing";
import type { BenchOptions } from "./types.ts";

const CALLER_HZ = 697;
const AGENT_HZ = 1209;
const SIP_SECRET = "media-stack-sip-secret-123";

const q = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(s.length * p))]! : Number.NaN;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number) => Math.round(x * 10) / 10;

interface CallResult {
  answered: boolean;
  audioMs: number | null;
  error?: string;
}

async function readyAgent(s: MediaStack, agentId: string): Promise<AgentPhone> {
  const phone = await s.phones.agentPhone(s.media.sipUri, agentSipCredentials(SIP_SECRET, s.org, agentId));
  await s.waitFor(() =>
    s.events.some((e) => e.kind === "agent.device" && e.agent_id === agentId && e.state === "connected"),
  );
  await s.agentEvent({
    kind: "agent.login",
    org_id: s.org,
    agent_id: agentId,
    team_id: "t1",
    skills: [{ skill: "bench", level: 5 }],
  });
  await ready(s, agentId);
  phone.talk(tone(AGENT_HZ, 1000));
  return phone;
}

async function ready(s: MediaStack, agentId: string): Promise<void> {
  await s.agentEvent({
    kind: "agent.state_changed",
    org_id: s.org,
    agent_id: agentId,
    state: "ready",
    previous_state: "wrap_up",
    previous_state_s: 0.2,
  });
}

/** One caller: dial, time the agent's tone, talk for the hold, hang up. */
async function oneCall(s: MediaStack, n: number, holdMs: number): Promise<CallResult> {
  let c: Caller;
  try {
    c = await callIn(s.phones.srf, s.media.sipUri, "5001", `+86139${String(10_000_000 + n).slice(-8)}`);
  } catch (err) {
    return { answered: false, audioMs: null, error: (err as Error).message };
  }
  c.talk(tone(CALLER_HZ, 1000));
  let heardAt: number | null = null;
  c.endpoint.onAudio((f) => {
    c.received.push(f);
    if (heardAt === null && toneShare(f.pcm, AGENT_HZ) > 0.5) heardAt = Date.now();
  });
  const until = Date.now() + holdMs + 5_000;
  while (heardAt === null && Date.now() < until && !c.ended) await sleep(10);
  const audioMs = heardAt === null ? null : (heardAt as number) - c.answeredAt;
  if (audioMs !== null) await sleep(holdMs);
  await c.hangup().catch(() => {});
  return { answered: audioMs !== null, audioMs };
}

async function level(s: MediaStack, rate: number, windowS: number, holdMs: number, first: number) {
  const calls: Promise<CallResult>[] = [];
  // The service runs in this process: its event-loop delay says when the box, not the code, is the limit.
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const t0 = performance.now();
  const total = Math.round(rate * windowS);
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    calls.push(oneCall(s, first + i, holdMs));
  }
  const results = await Promise.all(calls);
  loop.disable();
  const audio = results.flatMap((r) => (r.audioMs === null ? [] : [r.audioMs]));
  return {
    offered_per_s: rate,
    offered: total,
    answered: audio.length,
    answer_to_agent_ms_p50: Math.round(q(audio, 0.5)),
    answer_to_agent_ms_p95: Math.round(q(audio, 0.95)),
    errors: results.filter((r) => r.error).length,
    event_loop_delay_ms_p99: Math.round(loop.percentile(99) / 1e6),
    event_loop_delay_ms_max: Math.round(loop.max / 1e6),
    load_avg_1m: round(loadavg()[0]!),
  };
}

async function lookupBench(s: MediaStack) {
  const dir = new CallerDirectory(s.redis as never, s.org);
  const org = s.org;
  const batch = 5_000;
  for (let i = 0; i < 100_000; i += batch) {
    const m = s.redis.multi();
    for (let j = i; j < i + batch; j++) {
      const phone = `+86137${String(j).padStart(8, "0")}`;
      m.hSet(
        `cc:callers:${org}`,
        phone,
        JSON.stringify({ lead_id: `L${j}`, name: `c${j}`, owner: `ag-${j % 50}` }),
      );
      if (j % 5 === 0) m.sAdd(`cc:blacklist:${org}`, `+86136${String(j).padStart(8, "0")}`);
    }
    await m.exec();
  }
  const times: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < 5_000) {
      const j = next++;
      const r = await dir.lookup(
        `${j % 3 === 0 ? "0086136" : "137"}${String((j * 7919) % 100_000).padStart(8, "0")}`,
      );
      times.push(r.ms);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return {
    indexed: 100_000,
    blacklisted: 20_000,
    lookups: times.length,
    p50: round(q(times, 0.5)),
    p95: round(q(times, 0.95)),
    p99: round(q(times, 0.99)),
  };
}

export async function run(opts: BenchOptions): Promise<Record<string, unknown>> {
  const { values } = parseArgs({
    args: opts.extra,
    allowPositionals: true,
    options: {
      rates: { type: "string" },
      "hold-s": { type: "string" },
      agents: { type: "string" },
      "window-s": { type: "string" },
    },
    strict: false,
  });
  const rates = String(values.rates ?? (opts.quick ? "2,5" : "2,5,10,15"))
    .split(",")
    .map(Number);
  const holdMs = Number(values["hold-s"] ?? (opts.quick ? 3 : 5)) * 1000;
  const windowS = Number(values["window-s"] ?? (opts.quick ? 12 : 20));
  const agentCount = Number(values.agents ?? (opts.quick ? 30 : 90));
  const started = performance.now();
  const s = await startMediaStack({ service: "none", enginePorts: 6000, drachtioLogLevel: "warning" });
  // The media service in its own process (as in production), so the callers' and agents' RTP in
  // this process does not take its CPU; inbound config and recording through its environment.
  process.env.MEDIA_INBOUND = JSON.stringify({
    numbers: { "5001": { type: "queue", queue: "bench" } },
    queues: { bench: { announce_every_s: 600 } },
    sticky_s: 0,
  });
  process.env.MEDIA_RECORDING_SPOOL = s.engineServer.recordingDir;
  process.env.CC_DATA_DIR = s.recordingDataDir;
  const service = await s.spawnService();
  const phones: AgentPhone[] = [];
  try {
    const events: CallCenterEvent[] = s.events;
    // A fast wrap-up: each agent is ready again 200 ms after their call ends.
    let seen = 0;
    const wrapper = setInterval(() => {
      for (; seen < events.length; seen++) {
        const e = events[seen]!;
        if (e.kind === "inbound.ended" && e.agent_id) {
          const id = e.agent_id;
          setTimeout(() => void ready(s, id), 200);
        }
      }
    }, 50);
    for (let i = 0; i < agentCount; i++) phones.push(await readyAgent(s, `ag-b${i}`));
    console.log(`inbound bench: ${agentCount} agents ready, hold ${holdMs / 1000} s, ${windowS} s per rate`);
    const levels = [];
    let first = 0;
    for (const rate of rates) {
      const l = await level(s, rate, windowS, holdMs, first);
      first += l.offered;
      const holds = l.answered >= 0.99 * l.offered && l.answer_to_agent_ms_p95 <= 1000;
      levels.push({ ...l, holds });
      console.log(
        `  ${rate}/s: ${l.answered}/${l.offered} answered, answer→agent audio p50 ${l.answer_to_agent_ms_p50} ms p95 ${l.answer_to_agent_ms_p95} ms ${holds ? "holds" : "does not hold"} (event loop p99 ${l.event_loop_delay_ms_p99} ms, load ${l.load_avg_1m})`,
      );
      await sleep(1_500);
    }
    clearInterval(wrapper);
    // Recordings: every answered call's recording, checked.
    const answeredIds = new Set(events.filter((e) => e.kind === "inbound.answered").map((e) => e.attempt_id));
    const settle = Date.now() + 30_000;
    const done = () =>
      events.filter(
        (e) =>
          (e.kind === "recording.stored" || e.kind === "recording.failed") && answeredIds.has(e.attempt_id),
      ).length;
    while (done() < answeredIds.size && Date.now() < settle) await sleep(200);
    const stored = events.filter(
      (e): e is Extract<CallCenterEvent, { kind: "recording.stored" }> =>
        e.kind === "recording.stored" && answeredIds.has(e.attempt_id),
    );
    let ok = 0;
    const problems: Record<string, number> = {};
    for (const r of stored) {
      const check = await verifyRecording(path.join(s.recordingDataDir, r.path), {
        customerHz: CALLER_HZ,
        agentHz: AGENT_HZ,
        sha256: r.sha256,
        minToneMs: Math.min(1000, holdMs / 2),
      });
      if (check.ok) ok++;
      for (const p of check.problems) problems[p] = (problems[p] ?? 0) + 1;
    }
    const bytes = stored.reduce((a, r) => a + r.bytes, 0);
    const spans = stored.map(
      (r) => [Date.parse(r.started_at), Date.parse(r.started_at) + r.duration_ms] as const,
    );
    const windowMs = spans.length
      ? Math.max(...spans.map((x) => x[1])) - Math.min(...spans.map((x) => x[0]))
      : 0;
    const maxConcurrent = Math.max(
      0,
      ...spans.map(([a]) => spans.filter(([b, e]) => b <= a && a < e).length),
    );
    const serviceAnswer = events.flatMap((e) =>
      e.kind === "inbound.answered" ? [e.answer_to_agent_ms] : [],
    );
    const offeredLookup = events.flatMap((e) => (e.kind === "inbound.offered" ? [e.lookup_ms] : []));
    const lookup = await lookupBench(s);
    const best = levels.filter((l) => l.holds).at(-1);
    const allAudio = levels.map((l) => l.answer_to_agent_ms_p95);
    const result = {
      offered_calls_per_s: best?.offered_per_s ?? 0,
      answer_to_agent_ms_p95: best ? best.answer_to_agent_ms_p95 : Math.min(...allAudio),
      answer_to_agent_target_ms: 1000,
      calls_answered: levels.reduce((a, l) => a + l.answered, 0),
      calls_offered: levels.reduce((a, l) => a + l.offered, 0),
      recordings_ok: ok,
      recordings_checked: stored.length,
      recordings_failed: events.filter((e) => e.kind === "recording.failed" && answeredIds.has(e.attempt_id))
        .length,
      recording_problems: problems,
      recording_mb_per_s: windowMs ? round(bytes / 1e6 / (windowMs / 1000)) : 0,
      recording_mb_total: round(bytes / 1e6),
      recordings_concurrent_max: maxConcurrent,
      service_answer_to_agent_ms_p95: Math.round(q(serviceAnswer, 0.95)),
      caller_lookup_ms_p95: lookup.p95,
      caller_lookup: lookup,
      caller_lookup_in_calls_ms_p95: round(q(offeredLookup, 0.95)),
      levels,
      agents: agentCount,
      hold_s: holdMs / 1000,
      window_s: windowS,
      elapsed_s: Math.round((performance.now() - started) / 1000),
    };
    console.log(
      `offered ${result.offered_calls_per_s}/s holds; answer→agent p95 ${result.answer_to_agent_ms_p95} ms; recordings ok ${ok}/${answeredIds.size} (${result.recording_mb_per_s} MB/s, ≤${maxConcurrent} at once); caller lookup p95 ${lookup.p95} ms over ${lookup.indexed} callers`,
    );
    return result;
  } finally {
    await Promise.allSettled(phones.map((p) => p.hangup()));
    await service.stop();
    await s.stop();
  }
}
