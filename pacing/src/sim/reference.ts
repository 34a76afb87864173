// Erlang-style predictive reference: a strong, simple causal dialer the product's core is measured
// against in `bench pacing`. It is a yardstick, not the product: it is handed the simulator's true
// distributions (outcome mix at the current time, ring, detection, talk incl. short connects, wrap)
// instead of estimating them, and it has no line cap and no hard guard.
//
// Rule (one horizon h ≈ a new call's ring time + detection + grace): X = live answers within h
// (people waiting now, attempts in flight by their answer probability conditioned on age, the k
// launches), S = agents free within h (ready, or residual talk + wrap ≤ h). Both Poisson-binomial.
// Launch the largest k with E[(X − S)+] ≤ θ·E[X]: the expected overflow of live answers over
// soon-free agents stays a fixed share of the live answers. θ ≈ 2.5 %, nudged by an EWMA of the
// recorded abandon rate (per live answer) towards a 2.5 % target.
import { campaignAgents, emptyDecision } from "../core/common.ts";
import { CdfTable, type LognormalSpec, lognormalFromMeanSd, lognormalQuantile } from "../core/dist.ts";
import { poissonBinomial } from "../core/predictive.ts";
import type { PacingAlgorithm, PacingDecision, PacingSnapshot } from "../core/types.ts";
import type { CustomerParams } from "./telephony/customers.ts";

/** What the reference is told instead of estimating (the simulator's ground truth). */
export interface KnownDistributions {
  /** Live people's share of dials at a time (drift included). */
  liveRateAt(atMs: number): number;
  customers: CustomerParams;
  wrap: LognormalSpec;
  /** Seconds a live answer may wait for an agent (the 2-second rule's grace). */
  graceS: number;
}

export interface ReferenceConfig {
  theta0: number;
  thetaMin: number;
  thetaMax: number;
  /** Abandon rate the EWMA nudge steers to. */
  target: number;
  /** Live answers the EWMA averages over (α = 1 / this). */
  ewmaLive: number;
  /** Gain of the nudge: ln θ = ln θ0 + N + gain·(target − ewma)/target, where the slow term N
   *  integrates (target − ewma)/target once per `ewmaLive` live answers (so the reference settles at
   *  its target whatever the bias of its one-horizon model). */
  gain: number;
  /** Launches per decision at most (a loop bound, not a pacing limit). */
  maxPerDecision: number;
}

export const DEFAULT_REFERENCE: ReferenceConfig = {
  theta0: 0.025,
  thetaMin: 0.0005,
  thetaMax: 0.2,
  target: 0.025,
  ewmaLive: 200,
  gain: 1,
  maxPerDecision: 500,
};

export interface ReferenceState {
  ewma: number;
  /** Integrated nudge (ln θ offset). */
  slow: number;
  /** Decayed live people and abandons behind `ewma`. */
  sumL: number;
  sumA: number;
  live: number;
  abandons: number;
}

/** The simulator's truth for a scenario's customer parameters and wrap time. */
export function knownDistributions(
  p: CustomerParams,
  liveRateAt: (atMs: number) => number,
  wrapMeanS: number,
  wrapSdS: number,
  graceS = 1.7,
): KnownDistributions {
  return { liveRateAt, customers: p, wrap: lognormalFromMeanSd(wrapMeanS, wrapSdS), graceS };
}

export function erlangReference(
  k: KnownDistributions,
  cfg: Partial<ReferenceConfig> = {},
): PacingAlgorithm<ReferenceState> {
  const c = { ...DEFAULT_REFERENCE, ...cfg };
  const p = k.customers;
  const ring = new CdfTable(lognormalFromMeanSd(p.ringMeanS, p.ringSdS));
  const talk = new CdfTable(lognormalFromMeanSd(p.talkMeanS, p.talkSdS));
  const wrap = new CdfTable(k.wrap);
  const wrapQ = [1 / 6, 0.5, 5 / 6].map((u) => lognormalQuantile(k.wrap, u));
  // Answered ring times are max(1, lognormal); fast failures (busy 1–3 s, invalid/unreachable 1–4 s).
  const ringCdf = (x: number) => (x < 1 ? 0 : ring.cdf(x));
  const fastShare = p.busyRate + p.invalidRate + p.unreachableRate;
  const fastSurv = (a: number) =>
    (p.busyRate * Math.min(1, Math.max(0, (3 - a) / 2)) +
      (p.invalidRate + p.unreachableRate) * Math.min(1, Math.max(0, (4 - a) / 3))) /
    Math.max(fastShare, 1e-12);
  const detectLive = 1.9; // uniform 1.2–2.6 s
  const detectMachine = 3.25; // uniform 2.5–4 s
  return {
    name: "reference",
    initial: () => ({ ewma: c.target, slow: 0, sumL: 0, sumA: 0, live: 0, abandons: 0 }),
    decide(s, st0) {
      // The records count machines passed as live among live answers; the reference knows their
      // share and steers the people's abandon rate (what the benchmark reports) instead.
      const live0 = k.liveRateAt(s.now) * (1 - p.amdFalsePositive);
      const people = live0 / (live0 + p.machineRate * p.amdFalseNegative);
      const st = nudge(
        s,
        st0 ?? { ewma: c.target, slow: 0, sumL: 0, sumA: 0, live: 0, abandons: 0 },
        c,
        people,
      );
      const lnTheta = Math.log(c.theta0) + st.slow + (c.gain * (c.target - st.ewma)) / c.target;
      const theta = Math.min(c.thetaMax, Math.max(c.thetaMin, Math.exp(lnTheta)));
      const agents = campaignAgents(s);
      if (agents.length === 0) return { decision: emptyDecision("reference", "no_agents", s), state: st };
      const T = s.campaign.ringTimeoutS;
      const live = k.liveRateAt(s.now);
      const humanLive = live * (1 - p.amdFalsePositive);
      const humanMachine = p.machineRate * p.amdFalseNegative;
      const answered = live + p.machineRate + p.faxRate;
      const pHumanGivenAnswer = (humanLive + humanMachine) / answered;
      const shortShare = humanMachine / Math.max(1e-12, humanLive + humanMachine);
      const ringMean = meanRingWithin(ring, T);
      const h = ringMean + detectLive + k.graceS;
      // P(a human verdict within h) of an attempt aged a.
      const pHumanWithin = (age: number) => {
        const survAns = 1 - ringCdf(age);
        const noAns = Math.max(0, 1 - answered - fastShare);
        const wAns = answered * survAns;
        const wNo = age < T ? noAns : 0;
        const wFast = fastShare * fastSurv(age);
        const tot = wAns + wNo + wFast;
        if (tot <= 0 || survAns <= 0) return 0;
        const upto = Math.min(T, age + h - detectLive);
        const pAnsSoon = Math.max(0, ringCdf(upto) - ringCdf(age)) / survAns;
        return (wAns / tot) * pAnsSoon * pHumanGivenAnswer;
      };
      const pNew = pHumanWithin(0);
      const xs: number[] = [];
      for (const a of s.attempts) {
        if (a.stage === "waiting") xs.push(1);
        else if (a.stage === "detecting") xs.push(a.stageAgeS < detectMachine + 1 ? pHumanGivenAnswer : 0);
        else xs.push(pHumanWithin(a.ageS));
      }
      const free: number[] = [];
      for (const a of agents) {
        if (a.state === "ready") free.push(1);
        else if (a.state === "wrap_up") free.push(wrap.residualCdf(a.secondsInState, h));
        else {
          const x = a.state === "on_call" ? a.secondsInState : 0;
          free.push(talkThenWrap(talk, wrapQ, shortShare, x, h));
        }
      }
      const pmfS = poissonBinomial(free);
      // g(x) = E[(x − S)+], x = 0..n (g(x+1) = g(x) + P(S ≤ x)).
      const maxX = xs.length + c.maxPerDecision + 1;
      const g = new Float64Array(maxX + 1);
      let cdf = 0;
      for (let x = 0; x < maxX; x++) {
        cdf += pmfS[x] ?? 0;
        g[x + 1] = g[x]! + Math.min(1, cdf);
      }
      const pmfX = poissonBinomial(xs, c.maxPerDecision);
      let top = xs.length;
      let meanX = xs.reduce((u, v) => u + v, 0);
      const overflow = () => {
        let e = 0;
        for (let x = 1; x <= top; x++) e += pmfX[x]! * g[x]!;
        return e;
      };
      let launch = 0;
      const per: number[] = [];
      let before = overflow();
      while (launch < c.maxPerDecision && pNew > 1e-6) {
        top += 1;
        for (let i = top; i >= 0; i--) pmfX[i] = pmfX[i]! * (1 - pNew) + (i > 0 ? pmfX[i - 1]! * pNew : 0);
        const after = overflow();
        if (after > theta * (meanX + pNew)) break;
        meanX += pNew;
        per.push(Math.min(1, (after - before) / pNew));
        before = after;
        launch++;
      }
      const decision: PacingDecision = {
        launch,
        perLaunchAbandon: per,
        explanation: {
          ...emptyDecision("reference", "threshold", s).explanation,
          expectedAgentsFree: free.reduce((u, v) => u + v, 0),
          expectedLiveAnswers: meanX,
          predictedAbandonProbability: meanX > 0 ? before / meanX : 0,
          details: { theta, ewma_abandon: st.ewma, horizon_s: h },
        },
      };
      return { decision, state: st };
    },
  };
}

/** EWMA per live person of the recorded abandons, from the growth of the shortest compliance period. */
function nudge(s: PacingSnapshot, st: ReferenceState, c: ReferenceConfig, people: number): ReferenceState {
  let period: PacingSnapshot["periods"][number] | undefined;
  for (const q of s.periods) if (q.windowS >= 3600 && (!period || q.windowS < period.windowS)) period = q;
  if (!period) return st;
  const dl = period.liveAnswers - st.live;
  const da = period.abandons - st.abandons;
  if (dl < 0 || da < 0) return { ...st, live: period.liveAnswers, abandons: period.abandons };
  // Abandons are recorded after the grace, often a decision after their live answer: keep them for
  // the next decision with new live answers rather than dropping them.
  if (dl === 0) return st;
  // Decayed sums per live answer (an abandon may land in a decision with a fraction of a live answer).
  const f = (1 - 1 / c.ewmaLive) ** dl;
  const sumL = st.sumL * f + dl * people;
  const sumA = st.sumA * f + da;
  const ewma = (sumA + c.target * c.ewmaLive * 0.1) / (sumL + c.ewmaLive * 0.1);
  const lo = Math.log(c.thetaMin / c.theta0);
  const hi = Math.log(c.thetaMax / c.theta0);
  return {
    ewma,
    sumL,
    sumA,
    slow: Math.min(hi, Math.max(lo, st.slow + ((dl / c.ewmaLive) * (c.target - ewma)) / c.target)),
    live: period.liveAnswers,
    abandons: period.abandons,
  };
}

/** Mean ring time of calls answered within the timeout (1 s grid). */
function meanRingWithin(ring: CdfTable, T: number): number {
  const FT = Math.max(1e-9, ring.cdf(T));
  let m = 0;
  for (let t = 1; t < T; t++) m += (ring.cdf(t + 1) - ring.cdf(t)) * (t + 0.5);
  return m / FT;
}

/** P(an agent x s into a bridged call is free within h): residual talk (short connects U(3, 8) s
 *  mixed with the lognormal) then wrap (3-point quadrature). */
function talkThenWrap(talk: CdfTable, wrapQ: number[], shortShare: number, x: number, h: number): number {
  const uni = (t: number) => Math.min(1, Math.max(0, (t - 3) / 5));
  const sS = shortShare * (1 - uni(x));
  const sL = (1 - shortShare) * (1 - talk.cdf(x));
  const tot = sS + sL;
  if (tot <= 1e-12) return 1;
  let acc = 0;
  for (const w of wrapQ) {
    const r = h - w;
    if (r <= 0) continue;
    const endS = shortShare * (uni(x + r) - uni(x));
    const endL = (1 - shortShare) * (talk.cdf(x + r) - talk.cdf(x));
    acc += (endS + endL) / tot;
  }
  return Math.min(1, Math.max(0, acc / wrapQ.length));
}
