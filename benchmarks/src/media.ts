// npm run bench -- media [--quick] [--json PATH] [--levels 300,500,700] [--rates 50,100] [--hold-s S]
//
// Concurrent calls and call setups per second through drachtio-server + rtpengine with the call
// analyzer running, on this machine. Real servers on loopback: nats-server, redis-server,
// drachtio-server (log level "warning"), rtpengine (userspace), the simulated carrier's load line
// (one SIPp 3.6.1 UAS: answers, then loops a recorded speech greeting with rtp_stream for the
// whole call), and the media service in-process (this process: its CPU is the service's).
//
// A "concurrent call" here: a dial command consumed from JetStream, an INVITE through
// drachtio-server, answered by SIPp, its speech RTP relayed by rtpengine to the media service's
// RTP endpoint and every 20 ms frame decoded and fed to the analyzer. The campaign stretches the
// analysis over the whole hold (amd_params and maxDetectMs = hold) so each call is analysed for
// its whole life: the analyzer's worst case. At the end of the hold the verdict is "unknown" and
// the campaign (unknown_as: machine) hangs up.
//
// Phase 1, setups/s: at each offered rate, calls are dialled for `burst` seconds (short holds);
// the rate counts when ≥ 95 % of the offered calls are answered within the phase and ≤ 1 % fail.
// Phase 2, concurrency: at each level N, calls are dialled at 50/s up to N and each ended call is
// replaced at once (closed loop) for the hold window; every second we sample the calls in analysis,
// the frames the analyzer received, the service's event-loop delay, and UDP receive-buffer drops
// (/proc/net/snmp, whole machine). A level holds when failures ≤ 1 %, the calls in analysis average
// ≥ 95 % of N, and in the median second the analyzer receives ≥ 97 % of the frames those calls
// should bring (50/s each).
import { readFile, rm } from "node:fs/promises";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { tempDir } from "@cc/infra";
import { generateCorpus, RtpEndpoint } from "@cc/media";
import {
  type MediaStack,
  type SimulatedCarrier,
  startMediaStack,
  startSimulatedCarrier,
} from "@cc/media/testing";
import type { CallControlEvent } from "@cc/pacing";
import type { BenchOptions } from "./types.ts";

const CLK_TCK = 100;
const FRAMES_PER_S = 50;

const q = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(s.length * p))]! : Number.NaN;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function procSample(pid: number): Promise<{ ticks: number; rssKb: number }> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces): utime and stime are the 14th and 15th.
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return {
    ticks: Number(rest[11]) + Number(rest[12]),
    rssKb: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0),
  };
}

/** CPU % of one core and peak RSS per named process over a window. */
class CpuWatch {
  readonly #pids: Record<string, number>;
  #start: Record<string, number> = {};
  #peak: Record<string, number> = {};
  #t0 = 0;
  #timer: NodeJS.Timeout | undefined;
  constructor(pids: Record<string, number>) {
    this.#pids = pids;
  }
  async #sampleAll(): Promise<Record<string, { ticks: number; rssKb: number }>> {
    const out: Record<string, { ticks: number; rssKb: number }> = {};
    for (const [name, pid] of Object.entries(this.#pids)) out[name] = await procSample(pid);
    return out;
  }
  async begin(): Promise<void> {
    const s = await this.#sampleAll();
    this.#t0 = performance.now();
    for (const [k, v] of Object.entries(s)) {
      this.#start[k] = v.ticks;
      this.#peak[k] = v.rssKb;
    }
    this.#timer = setInterval(() => {
      void this.#sampleAll()
        .then((x) => {
          for (const [k, v] of Object.entries(x)) this.#peak[k] = Math.max(this.#peak[k] ?? 0, v.rssKb);
        })
        .catch(() => undefined);
    }, 1_000);
  }
  async end(): Promise<Record<string, { cpu_pct: number; rss_mb: number }>> {
    clearInterval(this.#timer);
    const s = await this.#sampleAll();
    const secs = (performance.now() - this.#t0) / 1000;
    const out: Record<string, { cpu_pct: number; rss_mb: number }> = {};
    for (const [k, v] of Object.entries(s)) {
      out[k] = {
        cpu_pct: Math.round(((v.ticks - (this.#start[k] ?? 0)) / CLK_TCK / secs) * 1000) / 10,
        rss_mb: Math.round(Math.max(this.#peak[k] ?? 0, v.rssKb) / 102.4) / 10,
      };
    }
    return out;
  }
}

/** UDP datagrams dropped for a full receive buffer, whole machine (/proc/net/snmp). */
async function udpRcvbufErrors(): Promise<number> {
  const lines = (await readFile("/proc/net/snmp", "utf8")).split("\n").filter((l) => l.startsWith("Udp:"));
  const names = lines[0]?.split(/\s+/) ?? [];
  const vals = lines[1]?.split(/\s+/) ?? [];
  return Number(vals[names.indexOf("RcvbufErrors")] ?? 0);
}

/** Receive-buffer drops per local UDP port (/proc/net/udp "drops", sockets open now). */
async function udpDropsByPort(): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (const line of (await readFile("/proc/net/udp", "utf8")).split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 13) continue;
    const port = Number.parseInt(f[1]!.split(":")[1]!, 16);
    const drops = Number(f[f.length - 1]);
    if (drops > 0) out.set(port, (out.get(port) ?? 0) + drops);
  }
  return out;
}

/** Counts every frame delivered to an analyzer (RtpEndpoint.onAudio listeners), in-process. */
function countAnalysedFrames(): { frames: () => number } {
  let frames = 0;
  const proto = RtpEndpoint.prototype as unknown as { onAudio(fn: ((f: unknown) => void) | null): void };
  const original = proto.onAudio;
  proto.onAudio = function (this: unknown, fn) {
    original.call(
      this,
      fn
        ? (f) => {
            frames++;
            fn(f);
          }
        : null,
    );
  };
  return { frames: () => frames };
}

/** Follows call-control events in-process: answer times, failures, ends. */
class CallLog {
  readonly dialedAt = new Map<string, number>();
  readonly answeredAt = new Map<string, number>();
  readonly setupMs: number[] = [];
  failed = 0;
  ended = 0;
  readonly failures: Record<string, number> = {};
  /** Verdicts by reason, and when (ms after answer): the hold ends with max_analysis_time. */
  readonly verdicts: Record<string, number> = {};
  readonly detectMs: number[] = [];
  #onEnd: ((id: string) => void) | null = null;
  /** Setup phase: end each call as soon as it is answered (what is measured is the setup). */
  hangupOnAnswer = false;
  readonly #stack: MediaStack;

  constructor(stack: MediaStack) {
    this.#stack = stack;
    stack.svc.cc.onEvent((e: CallControlEvent) => this.#on(e));
  }
  onEnd(fn: ((id: string) => void) | null): void {
    this.#onEnd = fn;
  }
  #on(e: CallControlEvent): void {
    if (e.type === "answered") {
      this.answeredAt.set(e.attemptId, e.at);
      const t0 = this.dialedAt.get(e.attemptId);
      if (t0 !== undefined) this.setupMs.push(e.at - t0);
      if (this.hangupOnAnswer) setTimeout(() => this.#stack.svc.cc.hangup(e.attemptId, "system"), 0);
    } else if (e.type === "detected") {
      const k = `${e.detection}:${e.reason ?? ""}`;
      this.verdicts[k] = (this.verdicts[k] ?? 0) + 1;
      this.detectMs.push(e.detectMs);
    } else if (e.type === "failed") {
      this.failed++;
      const k = `${e.cause}${e.detail ? `:${e.detail}` : ""}`;
      this.failures[k] = (this.failures[k] ?? 0) + 1;
      this.#onEnd?.(e.attemptId);
    } else if (e.type === "hungup") {
      this.ended++;
      this.#onEnd?.(e.attemptId);
    }
  }
}

interface Ctx {
  stack: MediaStack;
  carrier: SimulatedCarrier;
  log: CallLog;
  n: number;
}

async function dialOne(ctx: Ctx): Promise<void> {
  const phone = ctx.carrier.loadNumber(ctx.n++);
  const at = Date.now();
  const cmd = await ctx.stack.dial({ phone, expires_at: new Date(at + 60_000).toISOString() });
  ctx.log.dialedAt.set(cmd.attempt_id, at);
}

/** Offers `rate` calls/s for `seconds`; returns what was answered, failed and how fast. */
async function setupPhase(ctx: Ctx, rate: number, seconds: number) {
  const before = {
    answered: ctx.log.answeredAt.size,
    failed: ctx.log.failed,
    setups: ctx.log.setupMs.length,
  };
  const offered = Math.round(rate * seconds);
  const t0 = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < offered; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    inFlight.push(dialOne(ctx));
  }
  await Promise.all(inFlight);
  const dialS = (performance.now() - t0) / 1000;
  // Calls answer within ~1 s of their command; give the tail 3 s.
  const until = Date.now() + 5_000;
  while (
    Date.now() < until &&
    ctx.log.answeredAt.size + ctx.log.failed - before.answered - before.failed < offered
  )
    await sleep(100);
  const answered = ctx.log.answeredAt.size - before.answered;
  const failed = ctx.log.failed - before.failed;
  const setup = ctx.log.setupMs.slice(before.setups);
  return {
    offered_per_s: rate,
    offered,
    dialled_in_s: Math.round(dialS * 10) / 10,
    answered,
    failed,
    achieved_per_s: Math.round((answered / Math.max(dialS, seconds)) * 10) / 10,
    setup_ms_p50: q(setup, 0.5),
    setup_ms_p95: q(setup, 0.95),
    ok: answered >= 0.95 * offered && failed <= 0.01 * offered,
  };
}

async function waitIdle(ctx: Ctx, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until && ctx.stack.svc.cc.activeCalls > 0) await sleep(200);
}

/** Holds `level` calls up (closed loop) for `holdS` after ramping at `rampRate`; samples each second. */
async function concurrencyPhase(
  ctx: Ctx,
  level: number,
  holdS: number,
  rampRate: number,
  pids: Record<string, number>,
  frames: () => number,
  sippMediaPort: number,
) {
  const before = { failed: ctx.log.failed, answered: ctx.log.answeredAt.size };
  let replacing = true;
  let open = 0;
  ctx.log.onEnd(() => {
    open--;
    if (replacing) {
      open++;
      void dialOne(ctx);
    }
  });
  for (let i = 0; i < level; i++) {
    open++;
    void dialOne(ctx);
    await sleep(1000 / rampRate);
  }
  // Let the last of the ramp answer and start streaming.
  await sleep(2_000);
  const cpu = new CpuWatch(pids);
  await cpu.begin();
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const drops0 = await udpRcvbufErrors();
  const inAnalysis: number[] = [];
  const frameRatio: number[] = [];
  let lastFrames = frames();
  let lastT = performance.now();
  for (let s = 0; s < holdS; s++) {
    await sleep(1_000);
    const calls = ctx.stack.svc.cc.calls().filter((c) => c.stage === "answered").length;
    const now = performance.now();
    const f = frames();
    inAnalysis.push(calls);
    if (calls > 0) frameRatio.push((f - lastFrames) / ((now - lastT) / 1000) / (calls * FRAMES_PER_S));
    lastFrames = f;
    lastT = now;
  }
  delay.disable();
  const usage = await cpu.end();
  const drops = (await udpRcvbufErrors()) - drops0;
  const byPort = await udpDropsByPort();
  const engine = ctx.stack.engineServer;
  let engineDrops = 0;
  let otherDrops = 0;
  for (const [port, n] of byPort) {
    if (port >= engine.portMin && port <= engine.portMax) engineDrops += n;
    else if (port !== sippMediaPort) otherDrops += n;
  }
  replacing = false;
  ctx.log.onEnd(null);
  const failed = ctx.log.failed - before.failed;
  const answered = ctx.log.answeredAt.size - before.answered;
  const minCalls = Math.min(...inAnalysis);
  const frameMin = frameRatio.length ? Math.min(...frameRatio) : 0;
  const result = {
    level,
    calls_in_analysis_min: minCalls,
    calls_in_analysis_p50: q(inAnalysis, 0.5),
    calls_in_analysis_max: Math.max(...inAnalysis),
    answered,
    failed,
    frames_received_ratio_min: Math.round(frameMin * 1000) / 1000,
    frames_received_ratio_p50: Math.round(q(frameRatio, 0.5) * 1000) / 1000,
    event_loop_delay_p99_ms: Math.round(delay.percentile(99) / 1e5) / 10,
    udp_rcvbuf_drops: drops,
    // Sockets open at the end of the window, since they opened: SIPp's media port (nothing reads
    // it without -rtp_echo), rtpengine's ports, and the rest (the media service's endpoints).
    udp_drops_open_sockets: {
      sipp_media: byPort.get(sippMediaPort) ?? 0,
      rtpengine: engineDrops,
      other: otherDrops,
    },
    cpu: usage,
    calls_in_analysis_mean: Math.round(
      inAnalysis.reduce((a, b) => a + b, 0) / Math.max(1, inAnalysis.length),
    ),
    // Held: on average ≥ 95 % of the level in analysis, the analyzer fed ≥ 97 % of the frames due
    // (median second), ≤ 1 % failed. The minimum second is reported, not judged: ended calls are
    // replaced through JetStream and SIP, so a second can catch a wave of them in between.
    ok:
      failed <= 0.01 * Math.max(1, answered) &&
      inAnalysis.reduce((a, b) => a + b, 0) / Math.max(1, inAnalysis.length) >= 0.95 * level &&
      q(frameRatio, 0.5) >= 0.97,
    open,
  };
  // Hang up what is left and let SIPp and rtpengine settle.
  await ctx.stack.svc.cc.hangupAll();
  await waitIdle(ctx, 20_000);
  return result;
}

export async function run(opts: BenchOptions): Promise<Record<string, unknown>> {
  const { values } = parseArgs({
    args: opts.extra,
    options: { levels: { type: "string" }, rates: { type: "string" }, "hold-s": { type: "string" } },
    strict: false,
  });
  const list = (s: unknown, d: number[]) =>
    typeof s === "string"
      ? s
          .split(",")
          .map(Number)
          .filter((x) => x > 0)
      : d;
  const levels = list(values.levels, opts.quick ? [250, 400, 500] : [300, 400, 450, 500, 600]);
  const rates = list(values.rates, opts.quick ? [50, 100] : [50, 100, 150, 200]);
  const holdS = Number(values["hold-s"] ?? (opts.quick ? 20 : 45));
  const burstS = opts.quick ? 6 : 10;
  // Each call lives this long after answer, analysed all along (see the header).
  const callHoldMs = 15_000;
  const t0 = performance.now();
  const corpusDir = await tempDir("bench-media");
  await generateCorpus({ outDir: corpusDir, quick: true, only: ["machine"] });
  const { frames } = countAnalysedFrames();
  const carrier = await startSimulatedCarrier({
    audioDir: corpusDir,
    outcomes: [],
    loadLine: { ringMs: [0, 1], talkMs: [120_000, 120_001] },
  });
  const stack = await startMediaStack({
    trunks: () => carrier.trunks,
    drachtioLogLevel: "warning",
    maxDetectMs: callHoldMs,
    // Four ports a call, and calls in teardown still hold theirs.
    enginePorts: 8_000,
    campaign: {
      ring_timeout_s: 30,
      unknown_as: "machine",
      amd_params: {
        totalAnalysisMs: 60_000,
        maxGreetingMs: 20_000,
        maxGreetingSpanMs: 20_000,
        maxWords: 100,
        maxWordLengthMs: 20_000,
        initialSilenceMs: 20_000,
        // The looped greeting pauses 1–3 s where it wraps: not long enough to call it a person.
        afterShortGreetingSilenceMs: 5_000,
        afterGreetingSilenceMs: 5_000,
        noisyAfterGreetingSilenceMs: 5_000,
        beep: "ignore",
      },
    },
  });
  const log = new CallLog(stack);
  const ctx: Ctx = { stack, carrier, log, n: 0 };
  const sipp = carrier.lines.find((l) => l.outcome === "load")!.sipp;
  const pids = {
    media_service: process.pid,
    drachtio: stack.media.process.pid,
    rtpengine: stack.engineServer.process.pid,
    sipp: sipp.process.pid,
    nats: stack.nats!.process.pid,
    redis: stack.redisServer!.process.pid,
  };
  try {
    console.log(
      "setups/s: offered rate for a burst; each call is answered by SIPp at once and hung up by us on the answer",
    );
    const setups: Awaited<ReturnType<typeof setupPhase>>[] = [];
    log.hangupOnAnswer = true;
    for (const rate of rates) {
      const r = await setupPhase(ctx, rate, burstS);
      setups.push(r);
      console.log(
        `  offered ${rate}/s × ${burstS} s: answered ${r.answered}/${r.offered}, failed ${r.failed}, achieved ${r.achieved_per_s}/s, setup p50 ${r.setup_ms_p50} ms p95 ${r.setup_ms_p95} ms${r.ok ? "" : "  (not sustained)"}`,
      );
      await stack.svc.cc.hangupAll();
      await waitIdle(ctx, 20_000);
    }
    log.hangupOnAnswer = false;
    console.log(
      `\nconcurrency: closed loop at each level for ${holdS} s (ramp 50/s), every call analysed for ${callHoldMs / 1000} s then hung up`,
    );
    const conc: Awaited<ReturnType<typeof concurrencyPhase>>[] = [];
    for (const level of levels) {
      const r = await concurrencyPhase(ctx, level, holdS, 50, pids, frames, sipp.mediaPort ?? 0);
      conc.push(r);
      const c = r.cpu;
      console.log(
        `  ${String(level).padStart(4)}: in analysis min/mean/p50 ${r.calls_in_analysis_min}/${r.calls_in_analysis_mean}/${r.calls_in_analysis_p50}, failed ${r.failed}/${r.answered}, frames ${r.frames_received_ratio_min}-${r.frames_received_ratio_p50}, loop p99 ${r.event_loop_delay_p99_ms} ms, udp drops ${r.udp_rcvbuf_drops} (sipp ${r.udp_drops_open_sockets.sipp_media}, rtpengine ${r.udp_drops_open_sockets.rtpengine}, other ${r.udp_drops_open_sockets.other}) | cpu % media ${c.media_service?.cpu_pct} drachtio ${c.drachtio?.cpu_pct} rtpengine ${c.rtpengine?.cpu_pct} sipp ${c.sipp?.cpu_pct} nats ${c.nats?.cpu_pct} | rss MB media ${c.media_service?.rss_mb} rtpengine ${c.rtpengine?.rss_mb} sipp ${c.sipp?.rss_mb}${r.ok ? "" : "  (not held)"}`,
      );
      if (!r.ok) break;
    }
    const held = conc.filter((r) => r.ok).map((r) => r.level);
    const sustained = setups.filter((r) => r.ok);
    const result = {
      max_concurrent_calls: held.length ? Math.max(...held) : 0,
      call_setups_per_s: sustained.length ? Math.max(...sustained.map((r) => r.achieved_per_s)) : 0,
      setup_ms_p50: sustained.at(-1)?.setup_ms_p50 ?? null,
      setup_ms_p95: sustained.at(-1)?.setup_ms_p95 ?? null,
      failures: log.failures,
      verdicts: log.verdicts,
      setups,
      concurrency: conc,
      setup: {
        command: `npm run bench -- media${opts.quick ? " --quick" : ""}`,
        machine: "2 cores, loopback only",
        concurrent_call:
          "answered by SIPp, speech RTP (looped recorded greeting, PCMU 20 ms) relayed by rtpengine to the media service's RTP endpoint, every frame fed to the analyzer (analysis stretched to the 15 s hold)",
        call_hold_ms: callHoldMs,
        hold_window_s: holdS,
        burst_s: burstS,
        drachtio_log_level: "warning",
        rtpengine: "userspace forwarding",
        total_s: Math.round((performance.now() - t0) / 1000),
      },
    };
    console.log(
      `\nmax_concurrent_calls ${result.max_concurrent_calls} (target ≥ 500), call_setups_per_s ${result.call_setups_per_s} (target ≥ 50)`,
    );
    return result;
  } finally {
    await stack.stop();
    await carrier.stop();
    await rm(corpusDir, { recursive: true, force: true });
  }
}
