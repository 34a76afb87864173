// The snapshot the decision core reads and the decision it returns. Everything is plain data:
// the core has no clock and no I/O, so a simulator in virtual time and the live service in
// real time drive exactly the same code.
import type { LognormalSpec } from "./dist.ts";

export type DialMode = "preview" | "progressive" | "predictive";
export type AgentState = "ready" | "reserved" | "on_call" | "wrap_up" | "paused" | "logged_out";
/** dialing/ringing: not answered yet; detecting: answered, call-progress analysis running;
 *  waiting: a live person is on the line and no agent is bridged yet. */
export type AttemptStage = "dialing" | "ringing" | "detecting" | "waiting";

export interface CampaignSettings {
  campaignId: string;
  mode: DialMode;
  /** Regulatory cap on abandoned / live answers (0.03 = 3 %). */
  abandonCap: number;
  /** Share of the cap the predictive controller aims at (the rest is the safety margin). */
  abandonTarget: number;
  ringTimeoutS: number;
  /** Operator's ceiling on unconnected attempts (dialing, ringing, detecting, waiting) per active
   *  agent. The working cap is derived from the live answer rate (`lineCap` in common.ts); this
   *  only bounds it. */
  maxLinesPerAgent: number;
  /** Trunk channels the campaign may hold (every call from dial to hang-up takes one). Absent =
   *  no trunk limit known to pacing. */
  trunkChannels?: number;
  /** Calls per ready agent in progressive mode. */
  progressiveRatio: number;
  /** Preview mode: seconds an agent reads the customer card before the call is placed. */
  previewSeconds: number;
  /** Skill the campaign routes to; agents without it are not counted. Empty = any agent. */
  skill?: string;
}

export interface AgentSnapshot {
  agentId: string;
  state: AgentState;
  secondsInState: number;
  skills: readonly string[];
}

export interface AttemptSnapshot {
  attemptId: string;
  /** Seconds since the attempt was launched. */
  ageS: number;
  stage: AttemptStage;
  /** Seconds since the attempt entered its current stage. */
  stageAgeS: number;
  /** P(abandon | live answer) predicted when it was launched (predictive only). */
  predictedAbandon?: number;
}

/** The estimates the core needs; produced by the online estimators (estimators.ts) or by analytics. */
export interface Estimates {
  /** P(answered by anyone or anything before the ring timeout) per attempt. */
  pAnswer: number;
  /** P(rings until the timeout without answer) per attempt; the rest fail fast (busy, invalid…). */
  pRingout: number;
  /** P(live person | answered), as classified by call-progress analysis. */
  pLiveGivenAnswer: number;
  /** Ring time of answered calls (seconds from launch to answer). */
  answerTime: LognormalSpec;
  /** Seconds from answer to the human/machine verdict. */
  detectS: number;
  /** Talk of real conversations (short connects excluded). */
  talk: LognormalSpec;
  /** Short connects (machines passed as live, wrong parties): share of bridged calls that end
   *  within `maxS` seconds. Mixed with `talk` for agents who just started a call. */
  shortTalk?: { p: number; maxS: number };
  wrap: LognormalSpec;
  /** How much evidence the rates rest on (posterior pseudo-counts incl. the prior): attempts
   *  resolved, and answers classified. Absent = unknown (margins stay at their widest). */
  evidence?: { attempts: number; classified: number };
}

/** Abandon counts for one compliance period (already adjusted per jurisdiction profile). */
export interface AbandonPeriod {
  name: string;
  windowS: number;
  cap: number;
  liveAnswers: number;
  abandons: number;
  /** Attempts placed in the window (VICIdial's "calls"). */
  calls: number;
  /** Of `abandons` (and `liveAnswers`), the estimated live people classified as machines by AMD: an
   *  unavoidable drain the predictive controller budgets for up front. */
  falsePositives?: number;
  /** False positives the records add per machine verdict (the jurisdiction's estimate; 0 when the
   *  profile does not count them). The hard abandon guard budgets it for calls in flight. */
  fpPerMachine?: number;
}

export interface PacingSnapshot {
  /** Epoch milliseconds (virtual or real). */
  now: number;
  campaign: CampaignSettings;
  agents: readonly AgentSnapshot[];
  attempts: readonly AttemptSnapshot[];
  estimates: Estimates;
  /** Compliance periods (24 h, 30 d…) plus optionally short windows ("1m") used by VICIdial's guards. */
  periods: readonly AbandonPeriod[];
  /** Callee-agnostic campaign-local time as HHMM (VICIdial TAPERED arithmetic); optional. */
  localHHMM?: number;
  /** Trunk channels the campaign holds now (unconnected attempts, bridged calls, messages playing).
   *  Absent: unconnected attempts + agents reserved or on a call. */
  channelsInUse?: number;
}

export interface Explanation {
  algorithm: string;
  expectedAgentsFree: number;
  expectedLiveAnswers: number;
  /** Mean P(abandon | live answer) of the calls launched now (0 when none). */
  predictedAbandonProbability: number;
  /** Abandons still allowed by the tightest period before the cap: cap·live − abandons. */
  abandonBudgetLeft: number;
  /** What limited the launch count. */
  limitedBy: string;
  details: Record<string, number | string | boolean>;
}

export interface PacingDecision {
  launch: number;
  /** One entry per launched call: P(abandon | live answer) as predicted now. */
  perLaunchAbandon: number[];
  explanation: Explanation;
}

/** An algorithm is a pure reducer: same snapshot and state in → same decision and state out. */
export interface PacingAlgorithm<S = unknown> {
  readonly name: string;
  initial(): S;
  decide(snapshot: PacingSnapshot, state: S): { decision: PacingDecision; state: S };
}

export const DEFAULT_CAMPAIGN: Omit<CampaignSettings, "campaignId"> = {
  mode: "predictive",
  abandonCap: 0.03,
  abandonTarget: 0.9,
  ringTimeoutS: 25,
  // A sanity ceiling only: the working line cap follows the live answer rate (common.ts lineCap).
  maxLinesPerAgent: 20,
  progressiveRatio: 1,
  previewSeconds: 10,
};
