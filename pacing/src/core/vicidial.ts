// VICIdial-style adaptive dial level, reproduced from its published behaviour (AST_VDadapt.pl /
// AST_VDauto_dial.pl, see shared/pacing-anchors.md). State is explicit so the reducer stays pure:
// a 1 s sampler with 15-sample averages, the level recomputed every 15 s, the dial loop every 2.5 s.
import { budgetLeft, campaignAgents, countStates, freeLines } from "./common.ts";
import type { PacingAlgorithm, PacingSnapshot } from "./types.ts";

export type DropMethod = "HARD_LIMIT" | "TAPERED" | "AVERAGE";

export interface VicidialConfig {
  /** adaptive_intensity, −40 … +40. */
  intensity: number;
  /** adaptive_dl_diff_target. */
  diffTarget: number;
  maxLevel: number;
  /** adaptive_dropped_percentage. */
  droppedPercentage: number;
  dropMethod: DropMethod;
  /** adaptive_latest_server_time (HHMM), for TAPERED. */
  latestServerTime: number;
  samples: number;
}

export const DEFAULT_VICIDIAL: VicidialConfig = {
  intensity: 0,
  diffTarget: 0,
  maxLevel: 3.0,
  droppedPercentage: 3,
  dropMethod: "HARD_LIMIT",
  latestServerTime: 2100,
  samples: 15,
};

export interface VicidialState {
  level: number;
  samples: { ready: number; waiting: number; total: number }[];
  lastSampleAt: number;
  lastLevelAt: number;
  lastDialAt: number;
  lastGuard: string;
}

export function vicidial(cfg: Partial<VicidialConfig> = {}): PacingAlgorithm<VicidialState> {
  const c = { ...DEFAULT_VICIDIAL, ...cfg };
  const name = `vicidial-${c.dropMethod.toLowerCase().replace("_", "-")}`;
  return {
    name,
    initial: () => ({
      level: 1,
      samples: [],
      lastSampleAt: Number.NEGATIVE_INFINITY,
      lastLevelAt: Number.NEGATIVE_INFINITY,
      lastDialAt: Number.NEGATIVE_INFINITY,
      lastGuard: "none",
    }),
    decide(s: PacingSnapshot, st0: VicidialState) {
      let st = st0;
      const all = s.agents.filter(
        (a) => a.state !== "logged_out" && (!s.campaign.skill || a.skills.includes(s.campaign.skill)),
      );
      const agents = campaignAgents(s);
      const cs = countStates(agents);
      const waiting = s.attempts.filter((a) => a.stage === "waiting").length;
      if (s.now - st.lastSampleAt >= 1000) {
        const samples = [...st.samples, { ready: cs.ready, waiting, total: all.length }].slice(-c.samples);
        st = { ...st, samples, lastSampleAt: s.now };
      }
      if (s.now - st.lastLevelAt >= 15_000 && st.samples.length > 0) {
        const n = st.samples.length;
        const avg = (f: (x: VicidialState["samples"][number]) => number) =>
          st.samples.reduce((a, x) => a + f(x), 0) / n;
        const differential = avg((x) => x.ready) - avg((x) => x.waiting);
        const avgAgents = avg((x) => x.total);
        let level = st.level;
        let guard = "none";
        if (avgAgents > 0) {
          const m = (differential + c.diffTarget) / avgAgents;
          const I = c.intensity / 100;
          const m2 = m < 0 ? m * Math.abs(I - 1) : m * (I + 1);
          level = level * (1 + m2);
        }
        level = Math.min(c.maxLevel, Math.max(1, level));
        const oneMin = s.periods.find((p) => p.name === "1m");
        if (oneMin && oneMin.calls > 20 && oneMin.abandons / oneMin.calls > 0.5) {
          level /= 2;
          guard = "1min_drops";
        }
        const today = s.periods.find((p) => p.name === "24h" || p.name === "today");
        if (today && today.calls > 50 && today.liveAnswers > 0) {
          const dropPct = (today.abandons / today.liveAnswers) * 100;
          if (dropPct > c.droppedPercentage) {
            guard = c.dropMethod;
            if (c.dropMethod === "HARD_LIMIT") level = 1;
            else if (c.dropMethod === "AVERAGE") level /= 2;
            else {
              // HHMM arithmetic as VICIdial does it: (2100 − 1500) / 1000 = 0.6.
              level *= Math.min(1, Math.max(0, (c.latestServerTime - (s.localHHMM ?? 0)) / 1000));
            }
          }
        }
        level = Math.min(c.maxLevel, Math.max(1, level));
        st = { ...st, level, lastLevelAt: s.now, lastGuard: guard };
      }
      let launch = 0;
      let goalCalls = 0;
      const existing = s.attempts.length + cs.on_call + cs.reserved;
      const dialLoop = s.now - st.lastDialAt >= 2500;
      if (dialLoop) {
        const activeAgents = cs.ready + cs.reserved + cs.on_call;
        goalCalls = Math.round(st.level * (activeAgents + c.diffTarget));
        launch = Math.max(0, Math.min(goalCalls - existing, freeLines(s, agents.length)));
        st = { ...st, lastDialAt: s.now };
      }
      const pLive = s.estimates.pAnswer * s.estimates.pLiveGivenAnswer;
      return {
        decision: {
          launch,
          perLaunchAbandon: [],
          explanation: {
            algorithm: name,
            expectedAgentsFree: cs.ready,
            expectedLiveAnswers: (s.attempts.length + launch) * pLive,
            predictedAbandonProbability: 0,
            abandonBudgetLeft: budgetLeft(s),
            limitedBy: dialLoop ? "dial_level" : "dial_loop_interval",
            details: {
              dial_level: Math.round(st.level * 1000) / 1000,
              goal_calls: goalCalls,
              existing_calls: existing,
              guard: st.lastGuard,
            },
          },
        },
        state: st,
      };
    },
  };
}
