// One simulated shift: virtual clock + simulated telephony + simulated agents + a pacing algorithm.

import { type JurisdictionProfile, PROFILES } from "../compliance/profiles.ts";
import { DEFAULT_ESTIMATOR_CONFIG, type EstimatorConfig } from "../core/estimators.ts";
import { type CampaignSettings, DEFAULT_CAMPAIGN, type PacingAlgorithm } from "../core/types.ts";
import { shiftPlans } from "./agents.ts";
import { erlangReference, knownDistributions } from "./reference.ts";
import {
  type CallOutcome,
  CampaignRunner,
  type DialTarget,
  type LeadSource,
  type RunnerEvent,
} from "./runner.ts";
import { VirtualClock } from "./telephony/clock.ts";
import { type CustomerParams, customerModel, DEFAULT_CUSTOMERS } from "./telephony/customers.ts";
import { SimCallControl } from "./telephony/telephony.ts";

export interface Scenario {
  name: string;
  agents: number;
  hours: number;
  /** Base live-answer rate of dials. */
  liveRate: number;
  talkMeanS: number;
  wrapMeanS: number;
  driftAmplitude: number;
  seed: string | number;
  /** Overrides of the customer model. */
  customers?: Partial<CustomerParams>;
  campaign?: Partial<CampaignSettings>;
  pauses?: boolean;
  partialShare?: number;
  /** Shift start, epoch ms (default SIM_START_MS, 09:00 in Shanghai). */
  startMs?: number;
}

export interface SimResult {
  scenario: string;
  algorithm: string;
  seed: string | number;
  agents: number;
  occupancy: number;
  talkMinPerAgentHour: number;
  /** Ground truth: live people not connected to an agent / live people who answered. */
  abandonRate: number;
  /** As the system counted it (AMD false positives by estimate, machines passed as live included). */
  systemAbandonRate: number;
  trueLiveAnswers: number;
  trueAbandons: number;
  idleGapMeanS: number;
  idleGapP90S: number;
  attemptsPerAgentHour: number;
  maxMessageDelayMs: number;
  maxLinesPerAgentSeen: number;
  loggedInHours: number;
  decisions: number;
  events: number;
  wallMs: number;
}

export const SIM_START_MS = Date.UTC(2026, 2, 2, 1, 0, 0); // 09:00 in Asia/Shanghai

/** An endless synthetic list, each number dialed once (fresh leads; retries are tested with the compliance gate). */
export function syntheticLeads(prefix = "L"): LeadSource {
  let n = 0;
  return {
    next(): DialTarget {
      n++;
      return {
        leadKey: `${prefix}${n}`,
        phone: `+86138${String(n % 100_000_000).padStart(8, "0")}`,
        attemptNo: 1,
      };
    },
    report(_t: DialTarget, _o: CallOutcome): void {},
  };
}

/**
 * The "reasoned estimate" of AMD false positives an operator would get by sampling recordings:
 * the share of machine verdicts that were live people, from the customer mix.
 */
export function amdFalsePositiveShare(p: CustomerParams): number {
  const fp = p.liveRate * p.amdFalsePositive;
  const machines = p.machineRate * (1 - p.amdFalseNegative);
  return fp + machines > 0 ? fp / (fp + machines) : 0;
}

export interface SimulateOptions {
  profile?: JurisdictionProfile;
  estimator?: EstimatorConfig;
  leads?: LeadSource;
  onEvent?: (e: RunnerEvent) => void;
  keepLaunchLog?: boolean;
  tickMs?: number;
}

/**
 * Runs one shift. `algorithm`: a pacing algorithm, "oracle" (the perfect-information bound) or
 * "reference" (the Erlang-style reference of reference.ts, handed this scenario's true distributions).
 */
export function simulate(
  sc: Scenario,
  algorithm0: PacingAlgorithm<unknown> | "oracle" | "reference",
  o: SimulateOptions = {},
): SimResult & { runner: CampaignRunner } {
  const t0 = performance.now();
  const start = sc.startMs ?? SIM_START_MS;
  const clock = new VirtualClock(start);
  const params: CustomerParams = {
    ...DEFAULT_CUSTOMERS,
    liveRate: sc.liveRate,
    machineRate: Math.min(0.25, (1 - sc.liveRate) * 0.3),
    talkMeanS: sc.talkMeanS,
    talkSdS: sc.talkMeanS * 0.8,
    driftAmplitude: sc.driftAmplitude,
    driftPeriodS: sc.hours * 3600,
    driftOriginMs: start,
    ...sc.customers,
  };
  const model = customerModel(`cust|${sc.seed}`, params);
  const algorithm =
    algorithm0 === "reference"
      ? (erlangReference(
          knownDistributions(params, model.liveRateAt, sc.wrapMeanS, sc.wrapMeanS * 0.4),
        ) as PacingAlgorithm<unknown>)
      : algorithm0;
  const leads = o.leads ?? syntheticLeads();
  const cc = new SimCallControl(clock, model, {
    messageLatencyMs: 150,
    messageS: 8,
    identify: (req) => ({
      leadKey: String(req.meta?.leadKey ?? req.phone),
      attemptNo: Number(req.meta?.attemptNo ?? 1),
    }),
  });
  const campaign: CampaignSettings = { campaignId: "sim", ...DEFAULT_CAMPAIGN, ...sc.campaign };
  const agents = shiftPlans(sc.seed, {
    agents: sc.agents,
    startMs: start,
    hours: sc.hours,
    wrapMeanS: sc.wrapMeanS,
    wrapSdS: sc.wrapMeanS * 0.4,
    skills: ["sales"],
    partialShare: sc.partialShare ?? 0.1,
    pauses: sc.pauses ?? true,
  });
  // Ground truth of who was a live person, and who got an agent.
  const detectedLive = new Set<string>();
  const bridged = new Set<string>();
  cc.onEvent((e) => {
    if (e.type === "detected" && cc.truth.get(e.attemptId)?.outcome === "live") detectedLive.add(e.attemptId);
    else if (e.type === "bridged") bridged.add(e.attemptId);
  });
  let events = 0;
  const runner = new CampaignRunner(
    {
      clock,
      callControl: cc,
      algorithm,
      oracleModel: model,
      campaign,
      profile: o.profile ?? { ...PROFILES.US_FCC, amdFalsePositiveRate: amdFalsePositiveShare(params) },
      estimator: o.estimator ?? DEFAULT_ESTIMATOR_CONFIG,
      agents,
      leads,
      callerId: "+8657100000000",
      seed: sc.seed,
      ...(o.tickMs ? { tickMs: o.tickMs } : {}),
      ...(o.onEvent ? { onEvent: o.onEvent } : {}),
    },
    o.keepLaunchLog,
  );
  runner.start();
  const end = start + sc.hours * 3_600_000;
  events += clock.runUntil(end);
  runner.stop();
  runner.finish(end);

  let talk = 0;
  let logged = 0;
  for (const a of runner.agents) {
    talk += a.talkMs;
    logged += a.time.ready + a.time.reserved + a.time.on_call + a.time.wrap_up;
  }
  let trueAbandons = 0;
  for (const id of detectedLive) if (!bridged.has(id)) trueAbandons++;
  const gaps = [...runner.metrics.gapsMs].sort((x, y) => x - y);
  const m = runner.metrics;
  const hours = logged / 3_600_000;
  return {
    runner,
    scenario: sc.name,
    algorithm: algorithm === "oracle" ? "bound" : algorithm.name,
    seed: sc.seed,
    agents: sc.agents,
    occupancy: logged > 0 ? talk / logged : 0,
    talkMinPerAgentHour: hours > 0 ? talk / 60_000 / hours : 0,
    abandonRate: detectedLive.size > 0 ? trueAbandons / detectedLive.size : 0,
    systemAbandonRate: m.liveAnswers > 0 ? m.abandons / m.liveAnswers : 0,
    trueLiveAnswers: algorithm === "oracle" ? m.liveAnswers : detectedLive.size,
    trueAbandons,
    idleGapMeanS: gaps.length ? gaps.reduce((x, y) => x + y, 0) / gaps.length / 1000 : 0,
    idleGapP90S: gaps.length ? gaps[Math.min(gaps.length - 1, Math.floor(gaps.length * 0.9))]! / 1000 : 0,
    attemptsPerAgentHour: hours > 0 ? m.attempts / hours : 0,
    maxMessageDelayMs: m.messageDelaysMs.reduce((x, y) => Math.max(x, y), 0),
    maxLinesPerAgentSeen: m.maxUnconnectedPerAgentSeen,
    loggedInHours: hours,
    decisions: m.decisions,
    events,
    wallMs: performance.now() - t0,
  };
}
