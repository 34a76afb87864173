// The campaign runner: the dialer's event loop around the decision core. It owns the agents,
// the attempts in flight, routing of live answers to agents (longest idle first), the 2-second
// rule, the estimators and the abandon ledger; it asks the pacing algorithm every tick how many
// calls to launch and places them through CallControl. The same code runs in virtual time
// (simulator, benchmark) and in real time (demo campaign).

import { type AbandonLedger, ledgerFor, periodsForCore } from "../compliance/abandon.ts";
import type { JurisdictionProfile } from "../compliance/profiles.ts";
import type {
  CallControl,
  CallControlEvent,
  Detection,
  FailureCause,
  HangupBy,
} from "../core/call-control.ts";
import {
  currentEstimates,
  type EstimatorConfig,
  type EstimatorState,
  initialEstimatorState,
  type Observation,
  observe,
} from "../core/estimators.ts";
import type {
  AgentSnapshot,
  AgentState,
  AttemptSnapshot,
  AttemptStage,
  CampaignSettings,
  PacingAlgorithm,
  PacingDecision,
  PacingSnapshot,
} from "../core/types.ts";
import type { AgentPlan, PauseReason } from "./agents.ts";
import type { Clock } from "./telephony/clock.ts";
import type { CustomerModel } from "./telephony/customers.ts";
import { Rng } from "./telephony/rng.ts";

export interface DialTarget {
  leadKey: string;
  phone: string;
  attemptNo: number;
}

export type CallOutcome = "live_connected" | "live_abandoned" | "machine" | "fax" | FailureCause;

/** Where the runner gets numbers (after compliance gating) and reports outcomes (for retries). */
export interface LeadSource {
  next(now: number): DialTarget | null;
  report(target: DialTarget, outcome: CallOutcome, now: number): void;
}

export type RunnerEvent =
  | { kind: "call.attempt_created"; at: number; attemptId: string; target: DialTarget; decisionId: string }
  | { kind: "call.dialing" | "call.ringing"; at: number; attemptId: string; target: DialTarget }
  | {
      kind: "call.answered";
      at: number;
      attemptId: string;
      target: DialTarget;
      detection: Detection;
      detectMs: number;
      ringS: number;
    }
  | {
      kind: "call.failed";
      at: number;
      attemptId: string;
      target: DialTarget;
      cause: FailureCause;
      sipCode?: number;
      ringS: number;
    }
  | {
      kind: "call.bridged";
      at: number;
      attemptId: string;
      target: DialTarget;
      agentId: string;
      waitMs: number;
    }
  | {
      kind: "call.abandoned";
      at: number;
      attemptId: string;
      target: DialTarget;
      msFromAnswer: number;
      messagePlayed: boolean;
      messageDelayMs?: number;
      amdFalsePositive: boolean;
    }
  | {
      kind: "call.ended";
      at: number;
      attemptId: string;
      target: DialTarget;
      agentId?: string;
      ringS: number;
      talkS: number;
      wrapS: number;
      hangupBy: HangupBy;
    }
  | {
      kind: "call.disposition";
      at: number;
      attemptId: string;
      target: DialTarget;
      agentId?: string;
      disposition: "A" | "B" | "C" | "D" | "E" | "F";
      setBy: "agent" | "auto";
    }
  | { kind: "agent.login"; at: number; agentId: string; skills: string[] }
  | { kind: "agent.logout"; at: number; agentId: string }
  | {
      kind: "agent.state_changed";
      at: number;
      agentId: string;
      state: AgentState;
      previous: AgentState;
      previousS: number;
      pauseReason?: PauseReason;
      attemptId?: string;
    }
  | {
      kind: "pacing.decision";
      at: number;
      decisionId: string;
      decision: PacingDecision;
      snapshot: PacingSnapshot;
    };

export interface RunnerOptions {
  clock: Clock;
  callControl: CallControl;
  /** A pacing algorithm, or "oracle" for the perfect-information bound (needs `oracleModel`). */
  algorithm: PacingAlgorithm<unknown> | "oracle";
  oracleModel?: CustomerModel;
  campaign: CampaignSettings;
  profile: JurisdictionProfile;
  estimator: EstimatorConfig;
  agents: AgentPlan[];
  leads: LeadSource;
  callerId: string;
  seed: string | number;
  tickMs?: number;
  /** Wait for an agent after a live verdict before playing the message (2 s rule: must be < 2000). */
  graceMs?: number;
  onEvent?: (e: RunnerEvent) => void;
  /** Called after every decision with the snapshot it used (tests, latency probes). */
  onDecision?: (snapshot: PacingSnapshot, decision: PacingDecision) => void;
}

interface Agent {
  plan: AgentPlan;
  state: AgentState;
  since: number;
  rng: Rng;
  attemptId?: string;
  nextPause: number;
  pauseReason?: PauseReason;
  /** Ready since the end of a call (idle gap between calls is measured from here). */
  gapFrom?: number;
  time: Record<AgentState, number>;
  talkMs: number;
}

interface Attempt {
  id: string;
  target: DialTarget;
  launchedAt: number;
  stage: AttemptStage | "bridged" | "message";
  stageAt: number;
  predictedAbandon?: number;
  answeredAt?: number;
  detectedAt?: number;
  ringS: number;
  detection?: Detection;
  agentId?: string;
  bridgedAt?: number;
  abandoned?: boolean;
  graceTimer?: { id: number };
}

export interface RunnerMetrics {
  attempts: number;
  /** Classified by the system. */
  liveAnswers: number;
  abandons: number;
  connected: number;
  messageDelaysMs: number[];
  maxUnconnectedPerAgentSeen: number;
  /** Trunk channels held (calls from dial to hang-up) right after a launch, at most. */
  maxChannelsSeen: number;
  /** Idle gaps between calls (ms): from wrap end to the next bridge. */
  gapsMs: number[];
  decisions: number;
}

export class CampaignRunner {
  readonly opts: RunnerOptions;
  readonly metrics: RunnerMetrics = {
    attempts: 0,
    liveAnswers: 0,
    abandons: 0,
    connected: 0,
    messageDelaysMs: [],
    maxUnconnectedPerAgentSeen: 0,
    maxChannelsSeen: 0,
    gapsMs: [],
    decisions: 0,
  };
  readonly agents: Agent[];
  readonly attempts = new Map<string, Attempt>();
  readonly ledger: AbandonLedger;
  estimator: EstimatorState;
  #algoState: unknown;
  #waiting: Attempt[] = [];
  #seq = 0;
  #decisionSeq = 0;
  #stopped = false;
  #tick?: { id: number };
  #unsubscribe: () => void;
  /** Unconnected attempts and active agents at each launch, for the free-line invariant. */
  readonly launchLog: { at: number; unconnected: number; activeAgents: number }[] = [];
  readonly #keepLaunchLog: boolean;

  constructor(opts: RunnerOptions, keepLaunchLog = false) {
    this.opts = opts;
    this.#keepLaunchLog = keepLaunchLog;
    const now = opts.clock.now();
    this.ledger = ledgerFor(opts.profile);
    this.estimator = initialEstimatorState(now);
    this.#algoState = opts.algorithm === "oracle" ? null : opts.algorithm.initial();
    this.agents = opts.agents.map((plan) => ({
      plan,
      state: "logged_out" as AgentState,
      since: now,
      rng: new Rng(`agent|${opts.seed}|${plan.agentId}`),
      nextPause: 0,
      time: { ready: 0, reserved: 0, on_call: 0, wrap_up: 0, paused: 0, logged_out: 0 },
      talkMs: 0,
    }));
    this.#unsubscribe = opts.callControl.onEvent((e) => this.#onCall(e));
  }

  start(): void {
    const { clock } = this.opts;
    const now = clock.now();
    for (const a of this.agents) {
      clock.schedule(Math.max(0, a.plan.loginAtMs - now), () => this.#login(a));
      clock.schedule(Math.max(0, a.plan.logoutAtMs - now), () => this.#maybeLeave(a));
      for (const p of a.plan.pauses) clock.schedule(Math.max(0, p.atMs - now), () => this.#maybeLeave(a));
    }
    if (this.opts.algorithm !== "oracle") this.#scheduleTick();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#tick) this.opts.clock.cancel(this.#tick);
    this.#unsubscribe();
  }

  /** Closes state timers at `now` (end of a simulation). */
  finish(now: number): void {
    for (const a of this.agents) {
      a.time[a.state] += now - a.since;
      a.since = now;
    }
  }

  #emit(e: RunnerEvent): void {
    this.opts.onEvent?.(e);
  }

  #scheduleTick(): void {
    this.#tick = this.opts.clock.schedule(this.opts.tickMs ?? 1000, () => {
      if (this.#stopped) return;
      this.decideNow();
      this.#scheduleTick();
    });
  }

  #obs(o: Observation): void {
    this.estimator = observe(this.estimator, o, this.opts.clock.now(), this.opts.estimator);
  }

  // ---------------------------------------------------------------- agents

  #setState(
    a: Agent,
    state: AgentState,
    extra: { pauseReason?: PauseReason; attemptId?: string } = {},
  ): void {
    const now = this.opts.clock.now();
    const prev = a.state;
    a.time[prev] += now - a.since;
    const prevS = (now - a.since) / 1000;
    a.state = state;
    a.since = now;
    if (prev === "logged_out" && state !== "logged_out")
      this.#emit({ kind: "agent.login", at: now, agentId: a.plan.agentId, skills: a.plan.skills });
    this.#emit({
      kind: "agent.state_changed",
      at: now,
      agentId: a.plan.agentId,
      state,
      previous: prev,
      previousS: prevS,
      ...extra,
    });
    if (state === "logged_out") this.#emit({ kind: "agent.logout", at: now, agentId: a.plan.agentId });
  }

  #login(a: Agent): void {
    if (this.#stopped || a.state !== "logged_out") return;
    this.#setState(a, "ready");
    this.#becameFree(a, false);
  }

  /** Pause or log out if due; called at schedule points and whenever the agent frees up. */
  #maybeLeave(a: Agent): boolean {
    if (this.#stopped) return false;
    const now = this.opts.clock.now();
    if (a.state !== "ready") return false;
    if (now >= a.plan.logoutAtMs) {
      this.#setState(a, "logged_out");
      return true;
    }
    const p = a.plan.pauses[a.nextPause];
    if (p && now >= p.atMs) {
      a.nextPause++;
      a.gapFrom = undefined;
      this.#setState(a, "paused", { pauseReason: p.reason });
      this.opts.clock.schedule(p.durationS * 1000, () => {
        if (a.state !== "paused") return;
        this.#setState(a, "ready");
        this.#becameFree(a, false);
      });
      return true;
    }
    return false;
  }

  #becameFree(a: Agent, afterCall: boolean): void {
    if (this.#maybeLeave(a)) return;
    a.gapFrom = afterCall ? this.opts.clock.now() : undefined;
    if (this.opts.algorithm === "oracle") {
      this.#oracleCall(a);
      return;
    }
    const w = this.#waiting.shift();
    if (w) this.#assign(w, a);
  }

  #readyAgent(): Agent | undefined {
    let best: Agent | undefined;
    for (const a of this.agents) if (a.state === "ready" && (!best || a.since < best.since)) best = a;
    return best;
  }

  #assign(at: Attempt, a: Agent): void {
    const now = this.opts.clock.now();
    if (a.gapFrom !== undefined) this.metrics.gapsMs.push(now - a.gapFrom);
    a.gapFrom = undefined;
    a.attemptId = at.id;
    at.agentId = a.plan.agentId;
    if (at.graceTimer) this.opts.clock.cancel(at.graceTimer);
    this.#setState(a, "reserved", { attemptId: at.id });
    this.opts.callControl.bridge(at.id, a.plan.agentId);
  }

  #wrap(a: Agent, at: Attempt | undefined, talkS: number, hangupBy: HangupBy): void {
    const wrapS = Math.max(1, a.rng.lognormal(a.plan.wrapMeanS, a.plan.wrapSdS));
    const now = this.opts.clock.now();
    this.#setState(a, "wrap_up", at ? { attemptId: at.id } : {});
    if (at) {
      this.#emit({
        kind: "call.ended",
        at: now,
        attemptId: at.id,
        target: at.target,
        agentId: a.plan.agentId,
        ringS: at.ringS,
        talkS,
        wrapS,
        hangupBy,
      });
      if (this.opts.onEvent) {
        const u = a.rng.next();
        const disposition = u < 0.08 ? "A" : u < 0.2 ? "B" : u < 0.5 ? "C" : "D";
        this.opts.clock.schedule(wrapS * 1000, () =>
          this.#emit({
            kind: "call.disposition",
            at: this.opts.clock.now(),
            attemptId: at.id,
            target: at.target,
            agentId: a.plan.agentId,
            disposition,
            setBy: "agent",
          }),
        );
      }
    }
    this.opts.clock.schedule(wrapS * 1000, () => {
      this.#obs({ type: "wrap_ended", wrapS });
      if (a.state !== "wrap_up") return;
      a.attemptId = undefined;
      this.#setState(a, "ready");
      this.#becameFree(a, true);
    });
  }

  // ---------------------------------------------------------------- oracle

  /** Perfect information: skip every number that will not answer live, connect the next live one now. */
  #oracleCall(a: Agent): void {
    const model = this.opts.oracleModel;
    if (!model) throw new Error("oracle algorithm needs oracleModel");
    const now = this.opts.clock.now();
    for (let i = 0; i < 100_000; i++) {
      const t = this.opts.leads.next(now);
      if (!t) return;
      const plan = model.plan({ leadKey: t.leadKey, attemptNo: t.attemptNo, atMs: now });
      if (
        plan.outcome === "live" &&
        plan.detectedAs === "human" &&
        plan.ringS <= this.opts.campaign.ringTimeoutS
      ) {
        const id = `${this.opts.campaign.campaignId}-o${this.#seq++}`;
        const at: Attempt = {
          id,
          target: t,
          launchedAt: now,
          stage: "bridged",
          stageAt: now,
          ringS: plan.ringS,
        };
        this.metrics.attempts++;
        this.metrics.liveAnswers++;
        this.metrics.connected++;
        if (a.gapFrom !== undefined) this.metrics.gapsMs.push(0);
        a.gapFrom = undefined;
        this.#setState(a, "on_call", { attemptId: id });
        this.opts.clock.schedule(plan.talkS * 1000, () => {
          a.talkMs += plan.talkS * 1000;
          this.opts.leads.report(t, "live_connected", this.opts.clock.now());
          this.#wrap(a, at, plan.talkS, "customer");
        });
        return;
      }
      // Numbers that will not answer live are never dialed by the oracle.
    }
  }

  // ---------------------------------------------------------------- pacing

  snapshot(): PacingSnapshot {
    const now = this.opts.clock.now();
    const agents: AgentSnapshot[] = this.agents.map((a) => ({
      agentId: a.plan.agentId,
      state: a.state,
      secondsInState: (now - a.since) / 1000,
      skills: a.plan.skills,
    }));
    const attempts: AttemptSnapshot[] = [];
    for (const at of this.attempts.values()) {
      if (at.stage === "bridged" || at.stage === "message") continue;
      attempts.push({
        attemptId: at.id,
        ageS: (now - at.launchedAt) / 1000,
        stage: at.stage,
        stageAgeS: (now - at.stageAt) / 1000,
        ...(at.predictedAbandon !== undefined ? { predictedAbandon: at.predictedAbandon } : {}),
      });
    }
    const d = new Date(now);
    return {
      now,
      campaign: this.opts.campaign,
      agents,
      attempts,
      estimates: currentEstimates(this.estimator, now, this.opts.estimator),
      periods: periodsForCore(this.ledger, this.opts.profile, now),
      localHHMM: d.getUTCHours() * 100 + d.getUTCMinutes(),
      // Every call holds a trunk channel from dial to hang-up (bridged calls and messages too).
      channelsInUse: this.attempts.size,
    };
  }

  /** One pacing decision, launched at once. Returns the decision. */
  decideNow(): PacingDecision | undefined {
    if (this.opts.algorithm === "oracle") return undefined;
    const snap = this.snapshot();
    const { decision, state } = this.opts.algorithm.decide(snap, this.#algoState);
    this.#algoState = state;
    this.metrics.decisions++;
    const decisionId = `${this.opts.campaign.campaignId}-d${this.#decisionSeq++}`;
    this.opts.onDecision?.(snap, decision);
    this.#emit({ kind: "pacing.decision", at: snap.now, decisionId, decision, snapshot: snap });
    const active = snap.agents.filter((a) => a.state !== "paused" && a.state !== "logged_out").length;
    let unconnected = snap.attempts.length;
    for (let i = 0; i < decision.launch; i++) {
      const t = this.opts.leads.next(snap.now);
      if (!t) break;
      unconnected++;
      if (this.#keepLaunchLog) this.launchLog.push({ at: snap.now, unconnected, activeAgents: active });
      if (active > 0)
        this.metrics.maxUnconnectedPerAgentSeen = Math.max(
          this.metrics.maxUnconnectedPerAgentSeen,
          unconnected / active,
        );
      this.#launch(t, decisionId, decision.perLaunchAbandon[i]);
      this.metrics.maxChannelsSeen = Math.max(this.metrics.maxChannelsSeen, this.attempts.size);
    }
    return decision;
  }

  #launch(target: DialTarget, decisionId: string, predictedAbandon: number | undefined): void {
    const now = this.opts.clock.now();
    const id = `${this.opts.campaign.campaignId}-a${this.#seq++}`;
    const at: Attempt = { id, target, launchedAt: now, stage: "dialing", stageAt: now, ringS: 0 };
    if (predictedAbandon !== undefined) at.predictedAbandon = predictedAbandon;
    this.attempts.set(id, at);
    this.metrics.attempts++;
    this.ledger.record("calls", now);
    this.#emit({ kind: "call.attempt_created", at: now, attemptId: id, target, decisionId });
    this.opts.callControl.originate({
      attemptId: id,
      campaignId: this.opts.campaign.campaignId,
      phone: target.phone,
      callerId: this.opts.callerId,
      ringTimeoutS: this.opts.campaign.ringTimeoutS,
      amd: true,
      meta: { leadKey: target.leadKey, attemptNo: target.attemptNo },
    });
  }

  // ---------------------------------------------------------------- telephony events

  #onCall(e: CallControlEvent): void {
    const at = this.attempts.get(e.attemptId);
    if (!at) return;
    const now = e.at;
    switch (e.type) {
      case "dialing":
        this.#emit({ kind: "call.dialing", at: now, attemptId: at.id, target: at.target });
        return;
      case "ringing":
        at.stage = "ringing";
        at.stageAt = now;
        this.#emit({ kind: "call.ringing", at: now, attemptId: at.id, target: at.target });
        return;
      case "answered":
        at.stage = "detecting";
        at.stageAt = now;
        at.answeredAt = now;
        at.ringS = e.ringS;
        this.#obs({ type: "attempt_resolved", outcome: "answered", ringS: e.ringS });
        return;
      case "detected":
        this.#detected(at, e.detection, e.detectMs, now);
        return;
      case "failed": {
        this.attempts.delete(at.id);
        if (e.cause !== "cancelled")
          this.#obs({ type: "attempt_resolved", outcome: e.cause === "no_answer" ? "ringout" : "fast_fail" });
        this.#emit({
          kind: "call.failed",
          at: now,
          attemptId: at.id,
          target: at.target,
          cause: e.cause,
          ringS: e.ringS,
          ...(e.sipCode ? { sipCode: e.sipCode } : {}),
        });
        if (this.opts.onEvent) {
          const disposition = e.cause === "invalid_number" || e.cause === "unreachable" ? "F" : "E";
          this.#emit({
            kind: "call.disposition",
            at: now,
            attemptId: at.id,
            target: at.target,
            disposition,
            setBy: "auto",
          });
        }
        this.opts.leads.report(at.target, e.cause, now);
        return;
      }
      case "bridged": {
        const a = this.agents.find((x) => x.plan.agentId === e.agentId);
        at.stage = "bridged";
        at.bridgedAt = now;
        this.metrics.connected++;
        if (a) this.#setState(a, "on_call", { attemptId: at.id });
        this.#emit({
          kind: "call.bridged",
          at: now,
          attemptId: at.id,
          target: at.target,
          agentId: e.agentId,
          waitMs: Math.round(now - (at.detectedAt ?? now)),
        });
        return;
      }
      case "message_started": {
        const delay = Math.round(now - (at.detectedAt ?? now));
        this.metrics.messageDelaysMs.push(delay);
        at.stage = "message";
        this.#emit({
          kind: "call.abandoned",
          at: now,
          attemptId: at.id,
          target: at.target,
          msFromAnswer: Math.round(now - (at.answeredAt ?? now)),
          messagePlayed: true,
          messageDelayMs: delay,
          amdFalsePositive: false,
        });
        return;
      }
      case "hungup":
        this.#hungup(at, e.by, now);
        return;
    }
  }

  #detected(at: Attempt, detection: Detection, detectMs: number, now: number): void {
    at.detectedAt = now;
    at.detection = detection;
    this.#obs({ type: "classified", live: detection === "human", detectS: detectMs / 1000 });
    this.#emit({
      kind: "call.answered",
      at: now,
      attemptId: at.id,
      target: at.target,
      detection,
      detectMs,
      ringS: at.ringS,
    });
    if (detection !== "human") {
      if (detection === "machine") this.ledger.record("machineAnswers", now);
      at.stage = "message";
      this.opts.callControl.hangup(at.id, "system");
      return;
    }
    this.ledger.record("liveAnswers", now);
    this.metrics.liveAnswers++;
    at.stage = "waiting";
    at.stageAt = now;
    const a = this.#readyAgent();
    if (a) {
      this.#assign(at, a);
      return;
    }
    this.#waiting.push(at);
    at.graceTimer = this.opts.clock.schedule(this.opts.graceMs ?? 1700, () => {
      if (at.stage !== "waiting") return;
      this.#abandon(at);
      this.opts.callControl.playMessage(at.id, "abandon-information");
    });
  }

  #abandon(at: Attempt): void {
    if (at.abandoned) return;
    at.abandoned = true;
    this.#waiting = this.#waiting.filter((x) => x !== at);
    this.ledger.record("abandons", this.opts.clock.now());
    this.metrics.abandons++;
  }

  #hungup(at: Attempt, by: HangupBy, now: number): void {
    this.attempts.delete(at.id);
    if (at.stage === "waiting") {
      // Caller gave up before the message: still an abandoned call.
      if (at.graceTimer) this.opts.clock.cancel(at.graceTimer);
      this.#abandon(at);
      this.#emit({
        kind: "call.abandoned",
        at: now,
        attemptId: at.id,
        target: at.target,
        msFromAnswer: Math.round(now - (at.answeredAt ?? now)),
        messagePlayed: false,
        amdFalsePositive: false,
      });
    }
    const a = at.agentId ? this.agents.find((x) => x.plan.agentId === at.agentId) : undefined;
    if (a && at.bridgedAt !== undefined && a.attemptId === at.id) {
      const talkMs = now - at.bridgedAt;
      a.talkMs += talkMs;
      this.#obs({ type: "talk_ended", talkS: talkMs / 1000 });
      this.opts.leads.report(at.target, "live_connected", now);
      this.#wrap(a, at, talkMs / 1000, by);
      return;
    }
    this.#emit({
      kind: "call.ended",
      at: now,
      attemptId: at.id,
      target: at.target,
      ringS: at.ringS,
      talkS: 0,
      wrapS: 0,
      hangupBy: by,
    });
    const outcome: CallOutcome = at.abandoned
      ? "live_abandoned"
      : at.detection === "fax"
        ? "fax"
        : at.detection === "machine"
          ? "machine"
          : "no_answer";
    this.opts.leads.report(at.target, outcome, now);
  }
}
