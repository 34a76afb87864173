// Predictive pacing: a marginal-risk rule driven by a feedback controller on the realised abandon rate.
//
// 1. Model (per decision, over the ring-time horizon). For the k-th call launched now and for
//    quantile nodes t of its live-answer time (ring time truncated at the timeout + detection),
//    P(abandon | live) = mean over t of P(S(t + grace) ≤ D_k(t)), where
//    S = agents free by then: ready now, or the *residual* talk (lognormal conditioned on the
//        elapsed talk) + wrap (3-point quadrature), or the residual wrap;
//    D_k = live answers that claim an agent first: people waiting now, attempts in flight with
//        their answer hazard *conditioned on age* (answer / ring-out / fast-fail weights), and the
//        k−1 calls launched with it.
//    Both are Poisson-binomial sums: exact convolution for small teams, normal approximation with
//    continuity correction for large ones.
// 2. Rule. Launch calls while the marginal call's P(abandon | live) ≤ θ. Launching while the
//    marginal risk is below a threshold is the Lagrangian-optimal policy for "most talk time at a
//    given abandon volume": every call launched is worth more agent time than the abandons it risks
//    cost at the multiplier θ.
// 3. Controller. θ is the controller's output. Its error signal is the margin between a target
//    rate and the Beta-posterior mean of the period's rate (realised + predicted for calls in
//    flight, AMD false positives included as the known drain they are), normalised by the cap. The
//    target is the cap minus a one-sided bound z·sqrt(cap(1−cap)/n) on the period's sampling noise,
//    n = live answers so far + in flight + expected in the next `aheadHours`: a 5-agent team, with
//    few live answers per period, keeps a wide margin; a 100-agent team runs close to the cap.
//    log θ = I + kP·e, I integrates kI·e·dt with anti-windup (clamped, and it does not grow while θ
//    is not what limits the launches).
import { budgetLeft, campaignAgents, emptyDecision, lineCap } from "./common.ts";
import { cdfTable, lognormalMean, lognormalQuantile, normalCdf } from "./dist.ts";
import type { Estimates, PacingAlgorithm, PacingDecision, PacingSnapshot } from "./types.ts";

export interface PredictiveConfig {
  /** Quantile nodes of a new call's live-answer time. */
  nodes: number;
  /** Use exact Poisson-binomial sums while agents + attempts ≤ this. */
  exactLimit: number;
  /** Seconds a live answer may wait for an agent before the recorded message (< 2 s rule). */
  graceS: number;
  /** Mean time to a fast failure (busy, invalid, unreachable). */
  fastFailMeanS: number;
  /** Bounds of the marginal P(abandon | live) threshold θ. */
  thetaMin: number;
  thetaMax: number;
  /** θ before any feedback. */
  theta0: number;
  /** Integral gain: change of ln θ per second per unit of normalised error. */
  kI: number;
  /** Proportional gain on the normalised error. */
  kP: number;
  /** One-sided z of the cap protection (sampling noise of the period's rate). */
  z: number;
  /** Live answers below which the false-positive drain is taken from `falsePositiveRate`. */
  priorLive: number;
  /** Hours of expected live answers counted in the sample the margin is computed on. */
  aheadHours: number;
  /** Expected AMD false positives per live answer when the periods do not say (cold start). */
  falsePositiveRate: number;
  /** Weight of the live answers that later decisions will launch and that answer before this call
   *  (0 = myopic). Later calls with short ring times overtake this one: ignoring them biases the
   *  predicted risk low. Modelled as a Poisson stream at the team's steady live-answer rate. */
  lookahead: number;
  /** Hard abandon guard (see `abandonGuard`): never launch a call whose worst case could put the
   *  recorded rate of a compliance period over its cap. */
  guard: boolean;
  /** Tail probability of the guard's worst case (0 = every call in flight answers live). */
  guardEpsilon: number;
  /** Relative error of the live-answer estimates the guard's worst case allows for, at most (with
   *  no evidence: the cold-start prior, or estimates without sample counts). */
  guardInflation: number;
  /** ... and at least, however much evidence (drift, model error). */
  guardInflationMin: number;
  /** z of the evidence-based relative error of P(live answer) per attempt (see `liveRateMargin`). */
  evidenceZ: number;
  /** Line cap: expected live answers of the unconnected attempts per active agent, at the upper
   *  bound of the live rate (see common.ts `lineCap`). */
  livePerAgent: number;
}

export const DEFAULT_PREDICTIVE: PredictiveConfig = {
  nodes: 8,
  exactLimit: 60,
  graceS: 1.7,
  fastFailMeanS: 3,
  thetaMin: 0.002,
  thetaMax: 0.5,
  theta0: 0.05,
  kI: 0.02,
  kP: 3,
  z: 2,
  priorLive: 50,
  aheadHours: 2,
  falsePositiveRate: 0.01,
  lookahead: 0,
  guard: true,
  guardEpsilon: 1e-6,
  guardInflation: 0.5,
  guardInflationMin: 0.15,
  evidenceZ: 3,
  livePerAgent: 1,
};

/**
 * Relative margin on P(live answer) per attempt = pAnswer · pLiveGivenAnswer, from the evidence the
 * estimates rest on (pure; exported for tests): z times the delta-method relative standard error of
 * the product of two Beta posteriors, sqrt((1 − pA)/(pA·nA) + (1 − pL)/(pL·nL)), clamped to
 * [guardInflationMin, guardInflation]. It shrinks as evidence grows and never exceeds the fixed
 * margin the guard had before (estimates without counts get that fixed margin).
 */
export function liveRateMargin(e: Estimates, c: PredictiveConfig): number {
  const ev = e.evidence;
  if (!ev || !(ev.attempts > 0) || !(ev.classified > 0)) return c.guardInflation;
  const pA = Math.min(1, Math.max(1e-6, e.pAnswer));
  const pL = Math.min(1, Math.max(1e-6, e.pLiveGivenAnswer));
  const rel = Math.sqrt((1 - pA) / (pA * ev.attempts) + (1 - pL) / (pL * ev.classified));
  const m = c.evidenceZ * rel;
  if (!Number.isFinite(m)) return c.guardInflation;
  return Math.min(c.guardInflation, Math.max(c.guardInflationMin, m));
}

export interface PredictiveState {
  /** Integral term: ln θ without the proportional part. */
  logTheta: number;
  /** Time of the last decision (epoch ms), null before the first. */
  at: number | null;
  /** Whether θ limited the last decision (anti-windup: integrate upward only then). */
  thetaBound: boolean;
}

/** Poisson-binomial PMF of a sum of independent Bernoullis, with room for `extra` more terms. */
export function poissonBinomial(ps: ArrayLike<number>, extra = 0): Float64Array {
  const pmf = new Float64Array(ps.length + 1 + extra);
  pmf[0] = 1;
  let n = 0;
  for (let j = 0; j < ps.length; j++) {
    const p = ps[j]!;
    if (p <= 0) continue;
    if (p >= 1) {
      for (let i = n + 1; i > 0; i--) pmf[i] = pmf[i - 1]!;
      pmf[0] = 0;
      n += 1;
      continue;
    }
    for (let i = n; i >= 0; i--) {
      const v = pmf[i]!;
      pmf[i + 1]! += v * p;
      pmf[i] = v * (1 - p);
    }
    n += 1;
  }
  return pmf;
}

/** Convolves a PMF with Poisson(mean), truncating the tail below 1e-12. */
export function poissonConvolve(pmf: Float64Array, mean: number): Float64Array {
  const pois: number[] = [];
  let p = Math.exp(-mean);
  let cum = 0;
  for (let k = 0; cum < 1 - 1e-12 && k < 200; k++) {
    pois.push(p);
    cum += p;
    p *= mean / (k + 1);
  }
  const out = new Float64Array(pmf.length + pois.length);
  for (let i = 0; i < pmf.length; i++) {
    const v = pmf[i]!;
    if (v === 0) continue;
    for (let k = 0; k < pois.length; k++) out[i + k]! += v * pois[k]!;
  }
  return out;
}

interface Node {
  /** New-call live answers before t. */
  rNew: number;
  exact: boolean;
  pmfS?: Float64Array;
  pmfD?: Float64Array;
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
      if (tail <= 1e-15) break;
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
    let d = n.pmfD!;
    if (d[d.length - 1]! > 0) {
      const g = new Float64Array(d.length + 16);
      g.set(d);
      d = g;
      n.pmfD = d;
    }
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

export function initialPredictiveState(c: PredictiveConfig = DEFAULT_PREDICTIVE): PredictiveState {
  return { logTheta: Math.log(c.theta0), at: null, thetaBound: false };
}

export function predictive(cfg: Partial<PredictiveConfig> = {}): PacingAlgorithm<PredictiveState | null> {
  const c = { ...DEFAULT_PREDICTIVE, ...cfg };
  const name = "predictive";
  return {
    name,
    initial: () => initialPredictiveState(c),
    decide(s, st) {
      return decidePredictiveWithState(s, st ?? initialPredictiveState(c), c, name);
    },
  };
}

/** Stateless form (a fresh controller at θ0): kept for callers that hold no state. */
export function decidePredictive(
  s: PacingSnapshot,
  c: PredictiveConfig = DEFAULT_PREDICTIVE,
  name = "predictive",
): PacingDecision {
  return decidePredictiveWithState(s, initialPredictiveState(c), c, name).decision;
}

export interface ControllerInput {
  cap: number;
  liveAnswers: number;
  abandons: number;
  falsePositives: number;
  pendingLive: number;
  pendingAbandons: number;
  /** Live answers expected over `aheadHours`. */
  liveAhead: number;
}

/**
 * Target rate and normalised error of one compliance period (pure; exported for tests).
 * target = cap − z·sqrt(cap(1−cap)/n), n = live answers so far + in flight + expected over
 * `aheadHours` (one-sided normal bound of the Beta posterior of the period's final rate: the margin
 * shrinks as the sample grows). error = abandon surplus at the target (realised + expected in flight,
 * AMD false positives included as a known drain) / (cap · n): the integral of the rate error in
 * abandons, scaled by the volume still to come so a few early abandons do not slam the brakes.
 */
export function controllerError(p: ControllerInput, c: PredictiveConfig): { target: number; error: number } {
  const n = Math.max(1, p.liveAnswers + p.pendingLive + p.liveAhead);
  const margin = c.z * Math.sqrt((p.cap * (1 - p.cap)) / n);
  const target = Math.max(0, p.cap - margin);
  const fpRate =
    p.liveAnswers >= c.priorLive ? p.falsePositives / Math.max(1, p.liveAnswers) : c.falsePositiveRate;
  const surplus =
    target * (p.liveAnswers + p.pendingLive) - p.abandons - p.pendingAbandons - fpRate * p.pendingLive;
  return { target, error: surplus / (p.cap * n) };
}

export interface GuardInput {
  /** Recorded figures of each compliance period (AMD false positives included by estimate). */
  periods: readonly { cap: number; liveAnswers: number; abandons: number; fpPerMachine?: number }[];
  /** Ready agents. */
  ready: number;
  /** P(live answer) of each attempt in flight that can still become one (1 = a person waiting). */
  liveCapable: ArrayLike<number>;
  /** P(live answer) of a call launched now. */
  pLiveNew: number;
  /** Launches the pacer would like to make. */
  wanted: number;
  /** Recorded false positives per machine verdict when a period does not say. */
  fpPerMachine: number;
  /** 0: every live-capable attempt counts as a live answer (absolute worst case). Otherwise the
   *  1 − epsilon quantile of the live answers, with each probability inflated by `inflation`. */
  epsilon: number;
  inflation: number;
}

/**
 * Hard abandon guard (pure; exported for tests). Returns how many of `wanted` launches keep the
 * recorded rate of every period at or under its cap in the worst case of the calls in flight.
 *
 * Worst case after k launches: X live answers among the N + k calls in flight (X = N + k in the
 * absolute mode, else the 1 − ε quantile of the Poisson-binomial count with inflated
 * probabilities), every one beyond the R ready agents abandoned (U = max(0, X − R)), and every other
 * call a machine verdict that the records count as f of a false positive (an abandon and a live
 * answer). An abandon adds 1 to both abandons and live answers, so the period stays ≤ cap iff
 *   A + (1 − cap)·(U + f·(N + k − U)) ≤ cap·L.
 * Calls covered by a ready agent (k ≤ R − N) are always allowed: routing gives each live answer a
 * ready agent, so they cannot be abandoned; they can only be misclassified by AMD, which the
 * records already estimate. At the start of a period (L small) this is progressive dialing until
 * the budget covers an abandon.
 */
export function abandonGuard(g: GuardInput): number {
  const n0 = g.liveCapable.length;
  const covered = Math.max(0, Math.min(g.wanted, g.ready - n0));
  if (g.periods.length === 0 || g.wanted <= covered) return g.wanted;
  const grow = (p: number) => Math.min(1, p * (1 + g.inflation));
  // Worst-case live answers with j launches, j = 0..wanted.
  const worst = new Float64Array(g.wanted + 1);
  if (g.epsilon <= 0) for (let j = 0; j <= g.wanted; j++) worst[j] = n0 + j;
  else {
    const ps = new Float64Array(n0);
    for (let i = 0; i < n0; i++) ps[i] = grow(g.liveCapable[i]!);
    const pmf = poissonBinomial(ps, g.wanted);
    const pNew = grow(g.pLiveNew);
    let top = n0;
    for (let j = 0; j <= g.wanted; j++) {
      if (j > 0) {
        top += 1;
        for (let i = top; i >= 0; i--) pmf[i] = pmf[i]! * (1 - pNew) + (i > 0 ? pmf[i - 1]! * pNew : 0);
      }
      let cum = 0;
      let x = 0;
      while (x < top && cum + pmf[x]! < 1 - g.epsilon) cum += pmf[x++]!;
      worst[j] = x;
    }
  }
  let k = g.wanted;
  for (const p of g.periods) {
    const f = p.fpPerMachine ?? g.fpPerMachine;
    const room = p.cap * p.liveAnswers - p.abandons;
    let ok = 0;
    for (let j = 1; j <= k; j++) {
      const u = Math.max(0, worst[j]! - g.ready);
      if ((1 - p.cap) * (u + f * (n0 + j - u)) > room + 1e-9) break;
      ok = j;
    }
    k = Math.min(k, Math.max(ok, covered));
  }
  return k;
}

export function decidePredictiveWithState(
  s: PacingSnapshot,
  st: PredictiveState,
  c: PredictiveConfig,
  name = "predictive",
): { decision: PacingDecision; state: PredictiveState } {
  const agents = campaignAgents(s);
  if (agents.length === 0)
    return { decision: emptyDecision(name, "no_agents", s), state: { ...st, at: s.now, thetaBound: false } };
  const e = s.estimates;
  const margin = liveRateMargin(e, c);
  const cap = lineCap(s, agents.length, e.pAnswer * e.pLiveGivenAnswer * (1 + margin), c.livePerAgent);
  const lines = cap.lines;
  const T = s.campaign.ringTimeoutS;
  const ring = cdfTable(e.answerTime);
  const talk = cdfTable(e.talk);
  const wrap = cdfTable(e.wrap);
  const short = e.shortTalk && e.shortTalk.p > 0 ? e.shortTalk : undefined;
  const wrapQ = [1 / 6, 0.5, 5 / 6].map((u) => lognormalQuantile(e.wrap, u));
  const FT = Math.max(ring.cdf(T), 1e-6);
  const ringC = (x: number) => (x >= T ? 1 : Math.min(1, ring.cdf(x) / FT));
  const pFast = Math.max(0, 1 - e.pAnswer - e.pRingout);
  const pLNew = e.pAnswer * e.pLiveGivenAnswer;
  const d = e.detectS;

  // Per attempt: probability it still turns into a live answer (kind 2: still ringing).
  const nAt = s.attempts.length;
  const kind = new Uint8Array(nAt);
  const pLive = new Float64Array(nAt);
  const ageA = new Float64Array(nAt);
  const ringLeft = new Float64Array(nAt);
  let pendL = 0;
  for (let j = 0; j < nAt; j++) {
    const a = s.attempts[j]!;
    if (a.stage === "waiting") {
      kind[j] = 0;
      pLive[j] = 1;
    } else if (a.stage === "detecting") {
      kind[j] = 1;
      pLive[j] = e.pLiveGivenAnswer;
    } else {
      const age = a.ageS;
      const left = 1 - ringC(age);
      const wA = e.pAnswer * left;
      const wRO = age < T ? e.pRingout : 0;
      const wFF = pFast * Math.exp(-age / c.fastFailMeanS);
      const tot = wA + wRO + wFF;
      kind[j] = 2;
      pLive[j] = tot > 0 ? (wA / tot) * e.pLiveGivenAnswer : 0;
      ageA[j] = age;
      ringLeft[j] = left;
    }
    pendL += pLive[j]!;
  }

  // ---- controller
  const periods = s.periods.filter((p) => p.windowS >= 3600);
  const cycleS = lognormalMean(e.talk) + lognormalMean(e.wrap);
  const liveAhead = (agents.length * c.aheadHours * 3600) / Math.max(1, cycleS);
  let pendA0 = 0;
  for (let j = 0; j < nAt; j++) pendA0 += pLive[j]! * (s.attempts[j]!.predictedAbandon ?? 0);
  let error = Number.POSITIVE_INFINITY;
  let target = s.campaign.abandonCap;
  let binding = "campaign";
  for (const p of periods.length > 0
    ? periods
    : [{ name: "campaign", cap: s.campaign.abandonCap, liveAnswers: 0, abandons: 0, falsePositives: 0 }]) {
    const r = controllerError(
      {
        cap: p.cap,
        liveAnswers: p.liveAnswers,
        abandons: p.abandons,
        falsePositives: p.falsePositives ?? 0,
        pendingLive: pendL,
        pendingAbandons: pendA0,
        liveAhead,
      },
      c,
    );
    if (r.error < error) {
      error = r.error;
      target = r.target;
      binding = p.name;
    }
  }
  const lo = Math.log(c.thetaMin);
  const hi = Math.log(c.thetaMax);
  let I = st.logTheta;
  if (st.at !== null) {
    const dt = Math.min(10, Math.max(0, (s.now - st.at) / 1000));
    const step = c.kI * dt * error;
    // Anti-windup: do not push θ up while it is not what limits the launches.
    if (step < 0 || st.thetaBound) I += step;
  }
  I = Math.min(hi, Math.max(lo, I));
  const theta = Math.exp(Math.min(hi, Math.max(lo, I + c.kP * error)));

  if (lines === 0)
    return {
      decision: {
        ...emptyDecision(name, cap.limitedBy, s),
        explanation: {
          ...emptyDecision(name, cap.limitedBy, s).explanation,
          details: {
            theta: round(theta),
            target_rate: round(target),
            controller_error: round(error),
            live_rate_margin: round(margin),
          },
        },
      },
      state: { logTheta: I, at: s.now, thetaBound: false },
    };

  // ---- model
  // Steady live-answer rate of the team (one per agent cycle), for the look-ahead term.
  const liveRate = agents.length / Math.max(1, cycleS);
  const exact = agents.length + nAt <= c.exactLimit;
  const nodes: Node[] = [];
  const q = new Float64Array(agents.length);
  const r = new Float64Array(nAt);
  let lastMuS = 0;
  let lastT = 0;
  for (let m = 0; m < c.nodes; m++) {
    const u = ((m + 0.5) / c.nodes) * FT;
    const t = Math.min(T, lognormalQuantile(e.answerTime, u)) + d;
    const h = t + c.graceS;
    let muS = 0;
    let vS = 0;
    for (let i = 0; i < agents.length; i++) {
      const ag = agents[i]!;
      let p = 0;
      if (ag.state === "ready") p = 1;
      else if (ag.state === "on_call") {
        const x = ag.secondsInState;
        p =
          (talk.residualCdf(x, h - wrapQ[0]!) +
            talk.residualCdf(x, h - wrapQ[1]!) +
            talk.residualCdf(x, h - wrapQ[2]!)) /
          3;
        if (short && x < short.maxS) {
          // Posterior weight of a short connect given the call is still on after x s (uniform short).
          const ws = short.p * (1 - x / short.maxS);
          const w = ws / (ws + (1 - short.p) * (1 - talk.cdf(x)));
          p = w * wrap.cdf(h - (short.maxS - x) / 2) + (1 - w) * p;
        }
      } else if (ag.state === "wrap_up") p = wrap.residualCdf(ag.secondsInState, h);
      q[i] = p;
      muS += p;
      vS += p * (1 - p);
    }
    let muD = 0;
    let vD = 0;
    for (let j = 0; j < nAt; j++) {
      let p: number;
      if (kind[j] !== 2) p = pLive[j]!;
      else if (ringLeft[j]! <= 1e-9) p = 0;
      else {
        const cond = (ringC(ageA[j]! + t - d) - (1 - ringLeft[j]!)) / ringLeft[j]!;
        p = pLive[j]! * Math.min(1, Math.max(0, cond));
      }
      r[j] = p;
      muD += p;
      vD += p * (1 - p);
    }
    // Future launches overtaking this call: λ·∫₀^t P(live answer within u) du (trapezoid, 1 s).
    let fut = 0;
    if (c.lookahead > 0) {
      for (let u = 0.5; u < t; u += 1) fut += ringC(u - d);
      fut *= c.lookahead * liveRate;
      muD += fut;
      vD += fut;
    }
    const node: Node = { rNew: pLNew * ringC(t - d), exact, muS, vS, muD, vD };
    if (exact) {
      node.pmfS = poissonBinomial(q);
      node.pmfD = fut > 0 ? poissonConvolve(poissonBinomial(r, 8), fut) : poissonBinomial(r, 8);
    }
    nodes.push(node);
    lastMuS = muS;
    lastT = t;
  }

  const perLaunch: number[] = [];
  let limitedBy: string = cap.limitedBy;
  let aNext = 0;
  for (let k = 1; k <= lines; k++) {
    let ak = 0;
    for (const n of nodes) ak += abandonAtNode(n);
    ak /= nodes.length;
    aNext = ak;
    if (ak > theta) {
      limitedBy = "threshold";
      break;
    }
    perLaunch.push(ak);
    if (k < lines) for (const n of nodes) addNewCall(n);
  }
  if (perLaunch.length === lines) {
    // What the next call would have risked (for the explanation only).
    aNext = Number.NaN;
  }

  // ---- hard guard on the recorded figures (independent of the model: it uses counts only)
  let guardAllowed = perLaunch.length;
  if (c.guard) {
    const liveCapable: number[] = [];
    for (let j = 0; j < nAt; j++) if (pLive[j]! > 0) liveCapable.push(pLive[j]!);
    guardAllowed = abandonGuard({
      periods: s.periods.filter((p) => p.windowS >= 3600),
      ready: agents.filter((a) => a.state === "ready").length,
      liveCapable,
      pLiveNew: pLNew,
      wanted: perLaunch.length,
      fpPerMachine: c.falsePositiveRate,
      epsilon: c.guardEpsilon,
      inflation: margin,
    });
    if (guardAllowed < perLaunch.length) {
      perLaunch.length = guardAllowed;
      limitedBy = "abandon_guard";
    }
  }

  const launch = perLaunch.length;
  return {
    decision: {
      launch,
      perLaunchAbandon: perLaunch,
      explanation: {
        algorithm: name,
        expectedAgentsFree: lastMuS,
        expectedLiveAnswers: pendL + launch * pLNew,
        predictedAbandonProbability: launch > 0 ? perLaunch.reduce((x, y) => x + y, 0) / launch : 0,
        abandonBudgetLeft: budgetLeft(s),
        limitedBy,
        details: {
          ...(Number.isFinite(aNext) ? { next_call_abandon: round(aNext) } : {}),
          theta: round(theta),
          target_rate: round(target),
          controller_error: round(error),
          binding_period: binding,
          p_live_per_attempt: round(pLNew),
          horizon_s: round(lastT),
          pending_abandons: round(pendA0),
          pending_live: round(pendL),
          guard_allowed: guardAllowed,
          live_rate_margin: round(margin),
          line_cap: lines,
          exact,
        },
      },
    },
    state: { logTheta: I, at: s.now, thetaBound: limitedBy === "threshold" },
  };
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
