// Predictive pacing: launch the k-th call now only if (1) the probability that its live answer
// finds no agent is small enough to be worth it and (2) the abandon ratio of every compliance
// period, projected with the calls already in flight and this one (plus a safety reserve of z
// standard deviations), stays within a target below the cap that tightens as the budget is used.
//
// P(abandon | live) for the k-th call is computed, for quantile nodes t of its live-answer time,
// as P(S(t) ≤ D_k(t)): S(t) = agents free by t (ready now, or talk residual life + wrap, or wrap
// residual life — conditioned on time already spent), D_k(t) = live answers that will claim an
// agent before it (people waiting now, attempts in flight with their answer hazard conditioned on
// age, and the k−1 calls launched with it). Both are Poisson-binomial sums; exact convolution for
// small teams, a normal approximation with continuity correction for large ones.
import { budgetLeft, campaignAgents, emptyDecision, freeLines } from "./common.ts";
import { cdfTable, lognormalQuantile, normalCdf } from "./dist.ts";
import type { PacingAlgorithm, PacingDecision, PacingSnapshot } from "./types.ts";

export interface PredictiveConfig {
  /** Quantile nodes of a new call's live-answer time. */
  nodes: number;
  /** Never launch a call whose P(abandon | live) exceeds this: it would burn budget for little talk. */
  maxMarginalAbandon: number;
  /** Calls at or below this P(abandon | live) are always allowed: they can only lower the ratio. */
  safeAbandon: number;
  /** Standard deviations of pending abandons held in reserve. */
  reserveZ: number;
  /** Standard deviations of the period's own abandon count (Poisson noise and model error, sqrt(τ·L)) held
   *  in reserve: large for small teams, negligible for large ones. */
  countReserveZ: number;
  /** Use exact Poisson-binomial sums while agents + attempts ≤ this. */
  exactLimit: number;
  /** Seconds a live answer may wait for an agent before the recorded message (< 2 s rule). */
  graceS: number;
  /** Mean time to a fast failure (busy, invalid, unreachable). */
  fastFailMeanS: number;
}

export const DEFAULT_PREDICTIVE: PredictiveConfig = {
  nodes: 8,
  maxMarginalAbandon: 0.35,
  safeAbandon: 0.005,
  reserveZ: 1.5,
  countReserveZ: 1,
  exactLimit: 60,
  graceS: 1.7,
  fastFailMeanS: 3,
};

/** Poisson-binomial PMF of a sum of independent Bernoullis, with room for `extra` more terms. */
export function poissonBinomial(ps: readonly number[], extra = 0): Float64Array {
  const pmf = new Float64Array(ps.length + 1 + extra);
  pmf[0] = 1;
  let n = 0;
  for (const p of ps) {
    if (p <= 0) continue;
    for (let i = n; i >= 0; i--) {
      const v = pmf[i]!;
      pmf[i + 1]! += v * p;
      pmf[i] = v * (1 - p);
    }
    n += 1;
  }
  return pmf;
}

interface Node {
  t: number;
  /** New-call live answers before t. */
  rNew: number;
  exact: boolean;
  // exact
  pmfS?: Float64Array;
  pmfD?: Float64Array;
  // normal
  muS: number;
  vS: number;
  muD: number;
  vD: number;
}

function abandonAtNode(n: Node): number {
  if (n.exact) {
    const s = n.pmfS!;
    const d = n.pmfD!;
    // P(S ≤ D) = Σ_s P(S = s) · P(D ≥ s)
    let tail = 0;
    for (let i = 0; i < d.length; i++) tail += d[i]!;
    let acc = 0;
    for (let i = 0; i < s.length; i++) {
      if (i > 0) tail -= d[i - 1] ?? 0;
      if (tail <= 0) break;
      acc += s[i]! * tail;
    }
    return Math.min(1, Math.max(0, acc));
  }
  const diff = n.muS - n.muD;
  const v = n.vS + n.vD;
  if (v < 1e-9) return diff <= 0.5 ? 1 : 0;
  return normalCdf((0.5 - diff) / Math.sqrt(v));
}

function addNewCall(n: Node): void {
  if (n.exact) {
    // pmfD has spare capacity for every call this decision may add.
    const d = n.pmfD!;
    for (let i = d.length - 2; i >= 0; i--) {
      const v = d[i]!;
      if (v === 0) continue;
      d[i + 1]! += v * n.rNew;
      d[i] = v * (1 - n.rNew);
    }
  } else {
    n.muD += n.rNew;
    n.vD += n.rNew * (1 - n.rNew);
  }
}

export function predictive(cfg: Partial<PredictiveConfig> = {}): PacingAlgorithm<null> {
  const c = { ...DEFAULT_PREDICTIVE, ...cfg };
  const name = "predictive";
  return {
    name,
    initial: () => null,
    decide(s) {
      return { decision: decidePredictive(s, c, name), state: null };
    },
  };
}

export function decidePredictive(
  s: PacingSnapshot,
  c: PredictiveConfig,
  name = "predictive",
): PacingDecision {
  const agents = campaignAgents(s);
  if (agents.length === 0) return emptyDecision(name, "no_agents", s);
  const lines = freeLines(s, agents.length);
  const e = s.estimates;
  const T = s.campaign.ringTimeoutS;
  const ring = cdfTable(e.answerTime);
  const talk = cdfTable(e.talk);
  const wrap = cdfTable(e.wrap);
  // Three-point quadrature of the wrap time that follows a talk (talk residual + wrap ≤ h).
  const wrapQ = [1 / 6, 0.5, 5 / 6].map((u) => lognormalQuantile(e.wrap, u));
  const FT = Math.max(ring.cdf(T), 1e-6);
  const ringC = (x: number) => (x >= T ? 1 : Math.min(1, ring.cdf(x) / FT));
  const pFast = Math.max(0, 1 - e.pAnswer - e.pRingout);
  const pLNew = e.pAnswer * e.pLiveGivenAnswer;
  const d = e.detectS;

  // Per attempt: probability it still turns into a live answer, and its answer-time model.
  const pendLive: number[] = [];
  const attemptAlive: { kind: 0 | 1 | 2; pLive: number; age: number; ringLeft: number }[] = [];
  for (const a of s.attempts) {
    if (a.stage === "waiting") {
      attemptAlive.push({ kind: 0, pLive: 1, age: a.ageS, ringLeft: 0 });
      pendLive.push(1);
    } else if (a.stage === "detecting") {
      attemptAlive.push({ kind: 1, pLive: e.pLiveGivenAnswer, age: a.ageS, ringLeft: 0 });
      pendLive.push(e.pLiveGivenAnswer);
    } else {
      const age = a.ageS;
      const wA = e.pAnswer * (1 - ringC(age));
      const wRO = age < T ? e.pRingout : 0;
      const wFF = pFast * Math.exp(-age / c.fastFailMeanS);
      const tot = wA + wRO + wFF;
      const pAA = tot > 0 ? wA / tot : 0;
      const pl = pAA * e.pLiveGivenAnswer;
      attemptAlive.push({ kind: 2, pLive: pl, age, ringLeft: 1 - ringC(age) });
      pendLive.push(pl);
    }
  }

  const exact = agents.length + s.attempts.length <= c.exactLimit;
  const nodes: Node[] = [];
  for (let m = 0; m < c.nodes; m++) {
    const u = ((m + 0.5) / c.nodes) * FT;
    const t = Math.min(T, lognormalQuantile(e.answerTime, u)) + d;
    const h = t + c.graceS;
    const q: number[] = [];
    let muS = 0;
    let vS = 0;
    for (const ag of agents) {
      let p = 0;
      if (ag.state === "ready") p = 1;
      else if (ag.state === "on_call")
        p =
          (talk.residualCdf(ag.secondsInState, h - wrapQ[0]!) +
            talk.residualCdf(ag.secondsInState, h - wrapQ[1]!) +
            talk.residualCdf(ag.secondsInState, h - wrapQ[2]!)) /
          3;
      else if (ag.state === "wrap_up") p = wrap.residualCdf(ag.secondsInState, h);
      q.push(p);
      muS += p;
      vS += p * (1 - p);
    }
    const r: number[] = [];
    let muD = 0;
    let vD = 0;
    for (const at of attemptAlive) {
      let p: number;
      if (at.kind !== 2) p = at.pLive;
      else if (at.ringLeft <= 1e-9) p = 0;
      else {
        const cond = (ringC(at.age + t - d) - (1 - at.ringLeft)) / at.ringLeft;
        p = at.pLive * Math.min(1, Math.max(0, cond));
      }
      r.push(p);
      muD += p;
      vD += p * (1 - p);
    }
    const node: Node = { t, rNew: pLNew * ringC(t - d), exact, muS, vS, muD, vD };
    if (exact) {
      node.pmfS = poissonBinomial(q);
      node.pmfD = poissonBinomial(r, lines + 1);
    }
    nodes.push(node);
  }

  const a1 = nodes.reduce((acc, n) => acc + abandonAtNode(n), 0) / nodes.length;
  let pendA = 0;
  let pendV = 0;
  let pendL = 0;
  for (let j = 0; j < s.attempts.length; j++) {
    const pl = pendLive[j]!;
    const aj = s.attempts[j]!.predictedAbandon ?? a1;
    pendA += pl * aj;
    pendV += pl * aj * (1 - pl * aj);
    pendL += pl;
  }

  const periods = s.periods.filter((p) => p.windowS >= 3600);
  const checks = (
    periods.length > 0
      ? periods
      : [
          {
            name: "campaign",
            windowS: 86_400,
            cap: s.campaign.abandonCap,
            liveAnswers: 0,
            abandons: 0,
            calls: 0,
          },
        ]
  ).map((p) => {
    const u = p.liveAnswers > 0 ? p.abandons / (p.cap * p.liveAnswers) : 0;
    const tgt = s.campaign.abandonTarget;
    const tighten = 1 - 0.5 * Math.min(1, Math.max(0, (u - tgt) / Math.max(1e-6, 1 - tgt)));
    return { name: p.name, L: p.liveAnswers, A: p.abandons, tau: p.cap * tgt * tighten };
  });

  const perLaunch: number[] = [];
  let newA = 0;
  let newV = 0;
  let limitedBy = "lines";
  let aNext = a1;
  for (let k = 1; k <= lines; k++) {
    const ak = k === 1 ? a1 : nodes.reduce((acc, n) => acc + abandonAtNode(n), 0) / nodes.length;
    aNext = ak;
    if (ak > c.maxMarginalAbandon) {
      limitedBy = "marginal";
      break;
    }
    if (ak > c.safeAbandon) {
      const A = newA + pLNew * ak;
      const V = newV + pLNew * ak * (1 - pLNew * ak);
      const L = k * pLNew;
      const failed = checks.find((p) => {
        const allowed = p.tau * (p.L + pendL + L);
        return (
          p.A + pendA + A + c.reserveZ * Math.sqrt(pendV + V) + c.countReserveZ * Math.sqrt(allowed) > allowed
        );
      });
      if (failed) {
        limitedBy = `budget:${failed.name}`;
        break;
      }
    }
    perLaunch.push(ak);
    newA += pLNew * ak;
    newV += pLNew * ak * (1 - pLNew * ak);
    for (const n of nodes) addNewCall(n);
  }

  const last = nodes[nodes.length - 1]!;
  const launch = perLaunch.length;
  return {
    launch,
    perLaunchAbandon: perLaunch,
    explanation: {
      algorithm: name,
      expectedAgentsFree: last.muS,
      expectedLiveAnswers: pendL + launch * pLNew,
      predictedAbandonProbability: launch > 0 ? perLaunch.reduce((x, y) => x + y, 0) / launch : 0,
      abandonBudgetLeft: budgetLeft(s),
      limitedBy,
      details: {
        next_call_abandon: round(aNext),
        p_live_per_attempt: round(pLNew),
        horizon_s: round(last.t),
        pending_abandons: round(pendA),
        pending_live: round(pendL),
        exact,
        ...Object.fromEntries(checks.map((p) => [`target_${p.name}`, round(p.tau)])),
      },
    },
  };
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
