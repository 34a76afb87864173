// A demo campaign in real time: simulated telephony and agents, the real decision core, and
// real contract events out through `publish` (the stack wires it to NATS). Makes the wallboard alive.
import { type CallCenterEvent, type EventFields, makeEvent } from "@cc/ingest";
import { PROFILES } from "../compliance/profiles.ts";
import { DEFAULT_ESTIMATOR_CONFIG } from "../core/estimators.ts";
import { pacerForMode } from "../core/index.ts";
import { type CampaignSettings, DEFAULT_CAMPAIGN } from "../core/types.ts";
import { shiftPlans } from "./agents.ts";
import { CampaignRunner, type RunnerEvent } from "./runner.ts";
import { amdFalsePositiveShare, syntheticLeads } from "./simulate.ts";
import { RealClock } from "./telephony/clock.ts";
import { customerModel, DEFAULT_CUSTOMERS } from "./telephony/customers.ts";
import { SimCallControl } from "./telephony/telephony.ts";

export interface DemoCampaignOptions {
  publish: (e: CallCenterEvent) => void | Promise<void>;
  orgId?: string;
  campaignId?: string;
  teamId?: string;
  agents?: number;
  /** Time acceleration (1 = real time). */
  speed?: number;
  seed?: string | number;
  liveRate?: number;
  talkMeanS?: number;
  campaign?: Partial<CampaignSettings>;
  onError?: (err: unknown) => void;
}

export interface DemoCampaign {
  runner: CampaignRunner;
  stop(): void;
}

export function startDemoCampaign(o: DemoCampaignOptions): DemoCampaign {
  const orgId = o.orgId ?? "demo";
  const campaignId = o.campaignId ?? "demo-campaign";
  const teamId = o.teamId ?? "team-1";
  const clock = new RealClock(o.speed ?? 1);
  const params = {
    ...DEFAULT_CUSTOMERS,
    liveRate: o.liveRate ?? 0.3,
    talkMeanS: o.talkMeanS ?? 60,
    talkSdS: (o.talkMeanS ?? 60) * 0.8,
  };
  const model = customerModel(`demo|${o.seed ?? 1}`, params);
  const cc = new SimCallControl(clock, model, {
    messageLatencyMs: 150,
    messageS: 8,
    identify: (req) => ({
      leadKey: String(req.meta?.leadKey ?? req.phone),
      attemptNo: Number(req.meta?.attemptNo ?? 1),
    }),
  });
  const campaign: CampaignSettings = { ...DEFAULT_CAMPAIGN, campaignId, ...o.campaign };
  const agents = shiftPlans(o.seed ?? 1, {
    agents: o.agents ?? 12,
    startMs: clock.now(),
    hours: 24,
    wrapMeanS: 10,
    wrapSdS: 4,
    skills: ["sales"],
    partialShare: 0,
    pauses: false,
  }).map((p) => ({ ...p, loginAtMs: clock.now() + Math.random() * 5000 }));
  const send = (fields: EventFields, at: number) => {
    try {
      const r = o.publish(makeEvent(fields, at));
      if (r instanceof Promise) r.catch((err) => o.onError?.(err));
    } catch (err) {
      o.onError?.(err);
    }
  };
  const call = (e: { attemptId: string; target: { leadKey: string } }) => ({
    org_id: orgId,
    attempt_id: e.attemptId,
    campaign_id: campaignId,
    lead_id: e.target.leadKey,
  });
  const onEvent = (e: RunnerEvent) => {
    switch (e.kind) {
      case "call.attempt_created":
        return send(
          {
            kind: e.kind,
            ...call(e),
            phone: e.target.phone,
            caller_id: "+8657100000000",
            mode: campaign.mode,
            attempt_no: e.target.attemptNo,
            decision_id: e.decisionId,
            skill: "sales",
          },
          e.at,
        );
      case "call.dialing":
      case "call.ringing":
        return send({ kind: e.kind, ...call(e) }, e.at);
      case "call.answered":
        return send(
          { kind: e.kind, ...call(e), detection: e.detection, detect_ms: e.detectMs, ring_s: e.ringS },
          e.at,
        );
      case "call.failed":
        return send(
          {
            kind: e.kind,
            ...call(e),
            cause: e.cause,
            ring_s: e.ringS,
            ...(e.sipCode ? { sip_code: e.sipCode } : {}),
          },
          e.at,
        );
      case "call.bridged":
        return send({ kind: e.kind, ...call(e), agent_id: e.agentId, wait_ms: e.waitMs }, e.at);
      case "call.abandoned":
        return send(
          {
            kind: e.kind,
            ...call(e),
            ms_from_answer: e.msFromAnswer,
            message_played: e.messagePlayed,
            ...(e.messageDelayMs !== undefined ? { message_delay_ms: e.messageDelayMs } : {}),
            amd_false_positive: e.amdFalsePositive,
          },
          e.at,
        );
      case "call.ended":
        return send(
          {
            kind: e.kind,
            ...call(e),
            ...(e.agentId ? { agent_id: e.agentId } : {}),
            ring_s: e.ringS,
            talk_s: e.talkS,
            hold_s: 0,
            wrap_s: e.wrapS,
            hangup_by: e.hangupBy,
          },
          e.at,
        );
      case "call.disposition":
        return send(
          {
            kind: e.kind,
            ...call(e),
            ...(e.agentId ? { agent_id: e.agentId } : {}),
            disposition: e.disposition,
            set_by: e.setBy,
          },
          e.at,
        );
      case "agent.login":
        return send(
          {
            kind: e.kind,
            org_id: orgId,
            agent_id: e.agentId,
            team_id: teamId,
            skills: e.skills.map((skill) => ({ skill, level: 5 })),
            campaign_id: campaignId,
          },
          e.at,
        );
      case "agent.logout":
        return send({ kind: e.kind, org_id: orgId, agent_id: e.agentId }, e.at);
      case "agent.state_changed":
        return send(
          {
            kind: e.kind,
            org_id: orgId,
            agent_id: e.agentId,
            state: e.state,
            previous_state: e.previous,
            previous_state_s: e.previousS,
            campaign_id: campaignId,
            team_id: teamId,
            ...(e.pauseReason ? { pause_reason: e.pauseReason } : {}),
            ...(e.attemptId ? { attempt_id: e.attemptId } : {}),
          },
          e.at,
        );
      case "pacing.decision": {
        const s = e.snapshot;
        const x = e.decision.explanation;
        return send(
          {
            kind: e.kind,
            org_id: orgId,
            decision_id: e.decisionId,
            campaign_id: campaignId,
            mode: campaign.mode,
            algorithm: x.algorithm,
            launch: e.decision.launch,
            agents_logged_in: s.agents.filter((a) => a.state !== "logged_out").length,
            agents_ready: s.agents.filter((a) => a.state === "ready").length,
            attempts_in_flight: s.attempts.length,
            expected_agents_free: x.expectedAgentsFree,
            expected_live_answers: x.expectedLiveAnswers,
            predicted_abandon_probability: x.predictedAbandonProbability,
            abandon_budget_left: x.abandonBudgetLeft,
            explanation: { limited_by: x.limitedBy, ...x.details },
          },
          e.at,
        );
      }
    }
  };
  const runner = new CampaignRunner({
    clock,
    callControl: cc,
    algorithm: pacerForMode(),
    campaign,
    profile: { ...PROFILES.CN, requireConsent: false, amdFalsePositiveRate: amdFalsePositiveShare(params) },
    estimator: DEFAULT_ESTIMATOR_CONFIG,
    agents,
    leads: syntheticLeads(`${campaignId}-L`),
    callerId: "+8657100000000",
    seed: o.seed ?? 1,
    onEvent,
  });
  runner.start();
  return {
    runner,
    stop() {
      runner.stop();
      clock.cancelAll();
    },
  };
}
