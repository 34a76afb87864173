// Simulated callees. Each (lead, attempt) gets its own seeded stream, so the outcome of an attempt
// does not depend on event order — which is what lets the perfect-information bound "peek" at the
// same customers the dialers meet.
import { Rng } from "./rng.ts";

export type TrueOutcome = "live" | "machine" | "fax" | "no_answer" | "busy" | "invalid" | "unreachable";

export interface CallPlan {
  outcome: TrueOutcome;
  /** Seconds from dial to answer (answered outcomes) or to the failure signal. */
  ringS: number;
  /** Milliseconds of call-progress analysis after answer. */
  detectMs: number;
  /** What AMD will say (errors included). */
  detectedAs: "human" | "machine" | "fax" | "unknown";
  /** Seconds a live person waits in silence after their greeting before hanging up. */
  patienceS: number;
  /** Seconds of conversation once bridged (for a machine passed as live: until the agent notices). */
  talkS: number;
}

export interface CustomerParams {
  /** Share of dials answered by a live person at the shift's base rate (ground truth). */
  liveRate: number;
  /** Share of answers that are machines / fax (of dials). */
  machineRate: number;
  faxRate: number;
  busyRate: number;
  invalidRate: number;
  unreachableRate: number;
  ringMeanS: number;
  ringSdS: number;
  /** AMD errors: live classified as machine; machine passed as live. */
  amdFalsePositive: number;
  amdFalseNegative: number;
  patienceMinS: number;
  patienceMaxS: number;
  talkMeanS: number;
  talkSdS: number;
  /** Relative swing of the live rate over the day (0.5 = ±50 %), sinusoidal over driftPeriodS. */
  driftAmplitude: number;
  driftPeriodS: number;
  /** Epoch ms the drift is measured from. */
  driftOriginMs: number;
}

export const DEFAULT_CUSTOMERS: CustomerParams = {
  liveRate: 0.25,
  machineRate: 0.15,
  faxRate: 0.01,
  busyRate: 0.05,
  invalidRate: 0.04,
  unreachableRate: 0.04,
  ringMeanS: 9,
  ringSdS: 5,
  amdFalsePositive: 0.01,
  amdFalseNegative: 0.05,
  patienceMinS: 2,
  patienceMaxS: 5,
  talkMeanS: 90,
  talkSdS: 70,
  driftAmplitude: 0,
  driftPeriodS: 8 * 3600,
  driftOriginMs: 0,
};

export interface CustomerModel {
  plan(ctx: { leadKey: string; attemptNo: number; atMs: number }): CallPlan;
  /** Live rate in force at a given time (ground truth, for reports). */
  liveRateAt(atMs: number): number;
}

export function customerModel(seed: string | number, p: CustomerParams = DEFAULT_CUSTOMERS): CustomerModel {
  const liveRateAt = (atMs: number) =>
    Math.min(
      0.95,
      p.liveRate *
        (1 + p.driftAmplitude * Math.sin((2 * Math.PI * (atMs - p.driftOriginMs)) / 1000 / p.driftPeriodS)),
    );
  return {
    liveRateAt,
    plan({ leadKey, attemptNo, atMs }) {
      const r = new Rng(`${seed}|${leadKey}|${attemptNo}`);
      const live = liveRateAt(atMs);
      const u = r.next();
      const mix: [TrueOutcome, number][] = [
        ["live", live],
        ["machine", p.machineRate],
        ["fax", p.faxRate],
        ["busy", p.busyRate],
        ["invalid", p.invalidRate],
        ["unreachable", p.unreachableRate],
      ];
      let outcome: TrueOutcome = "no_answer";
      let acc = 0;
      for (const [o, share] of mix) {
        acc += share;
        if (u < acc) {
          outcome = o;
          break;
        }
      }
      let ringS: number;
      if (outcome === "busy") ringS = r.uniform(1, 3);
      else if (outcome === "invalid" || outcome === "unreachable") ringS = r.uniform(1, 4);
      else if (outcome === "no_answer") ringS = Number.POSITIVE_INFINITY;
      else ringS = Math.max(1, r.lognormal(p.ringMeanS, p.ringSdS));
      let detectedAs: CallPlan["detectedAs"] = "unknown";
      let detectMs = 0;
      if (outcome === "live") {
        // greeting + 800 ms after-greeting silence (app_amd defaults)
        detectMs = Math.round(r.uniform(1200, 2600));
        detectedAs = r.next() < p.amdFalsePositive ? "machine" : "human";
      } else if (outcome === "machine") {
        detectMs = Math.round(r.uniform(2500, 4000));
        detectedAs = r.next() < p.amdFalseNegative ? "human" : "machine";
      } else if (outcome === "fax") {
        detectMs = Math.round(r.uniform(1800, 2500));
        detectedAs = "fax";
      }
      const talkS =
        outcome === "live"
          ? Math.max(5, r.lognormal(p.talkMeanS, p.talkSdS))
          : outcome === "machine"
            ? r.uniform(3, 8)
            : 0;
      return {
        outcome,
        ringS,
        detectMs,
        detectedAs,
        patienceS: r.uniform(p.patienceMinS, p.patienceMaxS),
        talkS,
      };
    },
  };
}
