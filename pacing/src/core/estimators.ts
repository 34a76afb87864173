// Online estimators: pure update functions over call observations. Each keeps exponentially
// forgotten evidence (half-life in seconds of the caller's clock) on top of a cold-start prior,
// so a new campaign starts from sensible defaults and a drifting answer rate is followed within
// about one half-life. Rates are Beta/Dirichlet posteriors; durations are lognormal with a
// Normal–Gamma-style pooled posterior on log-durations.
import { type LognormalSpec, lognormalFromMeanSd } from "./dist.ts";
import type { Estimates } from "./types.ts";

/** Decayed counts of attempt outcomes: answered, rang out (no answer), failed fast. */
export interface OutcomeEvidence {
  answered: number;
  ringout: number;
  fastFail: number;
}

export interface LogEvidence {
  /** Decayed weight, Σ ln x, Σ (ln x)². */
  w: number;
  s1: number;
  s2: number;
}

export interface EstimatorState {
  /** Time of the last decay, epoch ms. */
  at: number;
  outcomes: OutcomeEvidence;
  /** live, machine (incl. fax) among answered. */
  live: number;
  notLive: number;
  answerTime: LogEvidence;
  detect: { w: number; sum: number };
  talk: LogEvidence;
  /** Bridged calls shorter than `shortTalkS` (not fitted into `talk`). */
  shortTalks: number;
  wrap: LogEvidence;
}

export interface EstimatorPrior {
  pAnswer: number;
  pRingout: number;
  pLiveGivenAnswer: number;
  answerTimeMean: number;
  answerTimeSd: number;
  detectS: number;
  talkMean: number;
  talkSd: number;
  wrapMean: number;
  wrapSd: number;
  /** Share of bridged calls that are short connects. */
  pShortTalk: number;
  /** Pseudo-observations the prior is worth. */
  strength: number;
}

export interface EstimatorConfig {
  prior: EstimatorPrior;
  /** Evidence weight halves every halfLifeS seconds. */
  halfLifeS: number;
  /** Bridged calls shorter than this are short connects (a machine the agent hangs up on…): a
   *  separate component, so they do not distort the lognormal of real conversations. */
  shortTalkS: number;
}

/** Cold-start defaults from field ranges (pacing anchors): ~10 s to answer, 90–300 s talks. */
export const DEFAULT_ESTIMATOR_CONFIG: EstimatorConfig = {
  prior: {
    pAnswer: 0.4,
    pRingout: 0.45,
    pLiveGivenAnswer: 0.5,
    answerTimeMean: 10,
    answerTimeSd: 5,
    detectS: 2,
    talkMean: 150,
    talkSd: 120,
    wrapMean: 15,
    wrapSd: 6,
    pShortTalk: 0.03,
    strength: 20,
  },
  halfLifeS: 1800,
  shortTalkS: 10,
};

export type Observation =
  | { type: "attempt_resolved"; outcome: "answered"; ringS: number }
  | { type: "attempt_resolved"; outcome: "ringout" | "fast_fail" }
  | { type: "classified"; live: boolean; detectS: number }
  | { type: "talk_ended"; talkS: number }
  | { type: "wrap_ended"; wrapS: number };

const emptyLog = (): LogEvidence => ({ w: 0, s1: 0, s2: 0 });

export function initialEstimatorState(at: number): EstimatorState {
  return {
    at,
    outcomes: { answered: 0, ringout: 0, fastFail: 0 },
    live: 0,
    notLive: 0,
    answerTime: emptyLog(),
    detect: { w: 0, sum: 0 },
    talk: emptyLog(),
    shortTalks: 0,
    wrap: emptyLog(),
  };
}

function decayLog(e: LogEvidence, f: number): LogEvidence {
  return { w: e.w * f, s1: e.s1 * f, s2: e.s2 * f };
}

function addLog(e: LogEvidence, x: number): LogEvidence {
  const l = Math.log(Math.max(x, 0.05));
  return { w: e.w + 1, s1: e.s1 + l, s2: e.s2 + l * l };
}

/** Forgets evidence up to `now`. Pure. */
export function decayTo(s: EstimatorState, now: number, cfg: EstimatorConfig): EstimatorState {
  if (now <= s.at) return s;
  const f = 2 ** (-(now - s.at) / 1000 / cfg.halfLifeS);
  return {
    at: now,
    outcomes: {
      answered: s.outcomes.answered * f,
      ringout: s.outcomes.ringout * f,
      fastFail: s.outcomes.fastFail * f,
    },
    live: s.live * f,
    notLive: s.notLive * f,
    answerTime: decayLog(s.answerTime, f),
    detect: { w: s.detect.w * f, sum: s.detect.sum * f },
    talk: decayLog(s.talk, f),
    shortTalks: (s.shortTalks ?? 0) * f,
    wrap: decayLog(s.wrap, f),
  };
}

/** Folds one observation in. Pure: returns a new state. */
export function observe(
  s0: EstimatorState,
  obs: Observation,
  now: number,
  cfg: EstimatorConfig,
): EstimatorState {
  const s = decayTo(s0, now, cfg);
  switch (obs.type) {
    case "attempt_resolved": {
      const o = { ...s.outcomes };
      if (obs.outcome === "answered") {
        o.answered += 1;
        return { ...s, outcomes: o, answerTime: addLog(s.answerTime, obs.ringS) };
      }
      if (obs.outcome === "ringout") o.ringout += 1;
      else o.fastFail += 1;
      return { ...s, outcomes: o };
    }
    case "classified":
      return {
        ...s,
        live: s.live + (obs.live ? 1 : 0),
        notLive: s.notLive + (obs.live ? 0 : 1),
        detect: { w: s.detect.w + 1, sum: s.detect.sum + obs.detectS },
      };
    case "talk_ended":
      if (obs.talkS < (cfg.shortTalkS ?? 0)) return { ...s, shortTalks: s.shortTalks + 1 };
      return { ...s, talk: addLog(s.talk, obs.talkS) };
    case "wrap_ended":
      return { ...s, wrap: addLog(s.wrap, obs.wrapS) };
  }
}

function logPosterior(e: LogEvidence, mean: number, sd: number, n0: number): LognormalSpec {
  const p = lognormalFromMeanSd(mean, sd);
  const m2 = p.sigma * p.sigma + p.mu * p.mu;
  const w = n0 + e.w;
  const mu = (n0 * p.mu + e.s1) / w;
  const ex2 = (n0 * m2 + e.s2) / w;
  const sigma = Math.sqrt(Math.max(ex2 - mu * mu, 0.01));
  return { kind: "lognormal", mu, sigma };
}

/** Posterior point estimates at `now`. */
export function currentEstimates(s0: EstimatorState, now: number, cfg: EstimatorConfig): Estimates {
  const s = decayTo(s0, now, cfg);
  const p = cfg.prior;
  const n0 = p.strength;
  const o = s.outcomes;
  const total = n0 + o.answered + o.ringout + o.fastFail;
  return {
    pAnswer: (n0 * p.pAnswer + o.answered) / total,
    pRingout: (n0 * p.pRingout + o.ringout) / total,
    pLiveGivenAnswer: (n0 * p.pLiveGivenAnswer + s.live) / (n0 + s.live + s.notLive),
    answerTime: logPosterior(s.answerTime, p.answerTimeMean, p.answerTimeSd, n0),
    detectS: (n0 * p.detectS + s.detect.sum) / (n0 + s.detect.w),
    talk: logPosterior(s.talk, p.talkMean, p.talkSd, n0),
    ...(cfg.shortTalkS
      ? {
          shortTalk: {
            p: (n0 * (p.pShortTalk ?? 0) + s.shortTalks) / (n0 + s.shortTalks + s.talk.w),
            maxS: cfg.shortTalkS,
          },
        }
      : {}),
    wrap: logPosterior(s.wrap, p.wrapMean, p.wrapSd, n0),
    evidence: { attempts: total, classified: n0 + s.live + s.notLive },
  };
}
