// The live pacing service: event-triggered decisions per campaign. Agent state and calls in flight
// come from Redis (analytics live-state layout), rates from ClickHouse (`liveRates`), the decision
// from the core; a launcher turns launches into dial commands (one per attempt, on JetStream, for
// the media service) and every decision is published as a `pacing.decision` event.
import { type LiveRedis, liveRates, readLiveAgents, readLiveCalls } from "@cc/analytics";
import { type CallCenterEvent, decodeEvents, makeEvent, subjectFor } from "@cc/ingest";
import type { ClickHouseClient } from "@clickhouse/client";
import type { NatsConnection } from "@nats-io/transport-node";
import { lognormalFromMeanSd } from "../core/dist.ts";
import { currentEstimates, DEFAULT_ESTIMATOR_CONFIG, initialEstimatorState } from "../core/estimators.ts";
import { pacerForMode } from "../core/index.ts";
import type { PredictiveState } from "../core/predictive.ts";
import type {
  AbandonPeriod,
  AgentSnapshot,
  AttemptSnapshot,
  CampaignSettings,
  Estimates,
  PacingSnapshot,
} from "../core/types.ts";
import type { Launcher } from "./launcher.ts";

export interface PacingServiceOptions {
  nats: NatsConnection;
  redis: LiveRedis;
  clickhouse?: ClickHouseClient;
  orgId: string;
  campaigns: CampaignSettings[];
  /** Periodic decision even without events. */
  tickMs?: number;
  /** How often live rates are re-read from ClickHouse. */
  ratesRefreshMs?: number;
  logger?: { info(o: object, m?: string): void; warn(o: object, m?: string): void };
  onDecision?: (e: CallCenterEvent, latencyMs: number) => void;
  /** Turns a decision's launches into calls; without one the service only decides. */
  launch?: Launcher;
  /**
   * Every call and lead event of a paced campaign, decoded, before the decision it triggers: the
   * dialing list follows call outcomes and takes new leads (so a fresh lead is dialed at once).
   */
  onEvent?: (e: CallCenterEvent) => void | Promise<void>;
}

export class PacingError extends Error {
  readonly code: string;
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PacingError";
    this.code = code;
  }
}

interface CampaignRuntime {
  settings: CampaignSettings;
  dirtySince: number | null;
  estimates: Estimates;
  periods: AbandonPeriod[];
  ratesAt: number;
  busy: boolean;
  seq: number;
  /** Attempts commanded but not yet seen by the media service: counted as dialing so we never dial twice. */
  pending: Map<string, number>;
  /** The predictive controller's state (its integral term), carried from decision to decision. */
  state: PredictiveState | null;
}

const STAGE: Record<string, AttemptSnapshot["stage"] | null> = {
  created: "dialing",
  dialing: "dialing",
  ringing: "ringing",
  waiting: "waiting",
  machine: null,
  talking: null,
};

export function estimatesFromRates(r: Awaited<ReturnType<typeof liveRates>>, fallback: Estimates): Estimates {
  const p50 = r.timeToAnswer.p50;
  const p90 = r.timeToAnswer.p90;
  return {
    ...fallback,
    ...(r.attempts >= 30 && r.answerRate !== null ? { pAnswer: r.answerRate } : {}),
    ...(r.answered >= 30 ? { pLiveGivenAnswer: r.humanAnswered / r.answered } : {}),
    ...(p50 && p90 && p90 > p50
      ? {
          answerTime: {
            kind: "lognormal" as const,
            mu: Math.log(p50),
            sigma: (Math.log(p90) - Math.log(p50)) / 1.2816,
          },
        }
      : {}),
    ...(r.meanTalkSeconds ? { talk: lognormalFromMeanSd(r.meanTalkSeconds, r.meanTalkSeconds * 0.8) } : {}),
    ...(r.meanWrapSeconds ? { wrap: lognormalFromMeanSd(r.meanWrapSeconds, r.meanWrapSeconds * 0.4) } : {}),
  };
}

export function startPacingService(o: PacingServiceOptions) {
  const alg = pacerForMode();
  const prior = currentEstimates(initialEstimatorState(0), 0, DEFAULT_ESTIMATOR_CONFIG);
  const latencies: number[] = [];
  const rt = new Map<string, CampaignRuntime>(
    o.campaigns.map((c) => [
      c.campaignId,
      {
        settings: c,
        dirtySince: null,
        estimates: prior,
        periods: [],
        ratesAt: 0,
        busy: false,
        seq: 0,
        pending: new Map(),
        state: alg.initial(),
      },
    ]),
  );
  const sub = o.nats.subscribe(`cc.events.${o.orgId}.>`);
  (async () => {
    for await (const m of sub) {
      // cc.events.<org>.<family>.<name>.<campaign|_>
      const parts = m.subject.split(".");
      const family = parts[3];
      const name = parts[4];
      // Our own decisions must not trigger decisions (that would loop).
      if (family === "pacing") continue;
      const campaign = parts[5];
      const c = campaign ? rt.get(campaign) : undefined;
      if (c && (family === "call" || family === "lead")) await onEvent(c, name, m.data);
      const targets =
        campaign && campaign !== "_" && rt.has(campaign)
          ? [rt.get(campaign)!]
          : family === "agent"
            ? [...rt.values()]
            : [];
      for (const c of targets) if (c.dirtySince === null) c.dirtySince = performance.now();
      for (const c of targets) void run(c);
    }
  })().catch((err) => o.logger?.warn({ err }, "event subscription ended"));

  async function onEvent(c: CampaignRuntime, name: string | undefined, data: Uint8Array): Promise<void> {
    if (name !== "attempt_created" && name !== "blocked" && !o.onEvent) return;
    // A message is one event or, from a bulk producer (the lead import), a batch of them.
    for (const parsed of decodeEvents(data)) {
      if (!parsed.ok) continue;
      const attemptId = (parsed.event as { attempt_id?: string }).attempt_id;
      // The media service has the attempt now (or refused it): it is in Redis, no longer pending.
      if (attemptId && (name === "attempt_created" || name === "blocked")) c.pending.delete(attemptId);
      try {
        await o.onEvent?.(parsed.event);
      } catch (err) {
        o.logger?.warn({ err, kind: parsed.event.kind }, "event not applied to the dialing list");
      }
    }
  }

  async function refreshRates(c: CampaignRuntime): Promise<void> {
    if (!o.clickhouse || Date.now() - c.ratesAt < (o.ratesRefreshMs ?? 10_000)) return;
    c.ratesAt = Date.now();
    try {
      const windows = [
        { name: "24h", windowS: 86_400 },
        { name: "30d", windowS: 30 * 86_400 },
      ];
      const rates = await Promise.all(
        windows.map((w) =>
          liveRates(o.clickhouse!, {
            campaignId: c.settings.campaignId,
            orgId: o.orgId,
            windowSeconds: w.windowS,
          }),
        ),
      );
      c.estimates = estimatesFromRates(rates[0]!, prior);
      c.periods = windows.map((w, i) => ({
        name: w.name,
        windowS: w.windowS,
        cap: c.settings.abandonCap,
        liveAnswers: rates[i]!.humanAnswered,
        abandons: rates[i]!.abandoned,
        calls: rates[i]!.attempts,
      }));
    } catch (err) {
      o.logger?.warn(
        { err, campaign: c.settings.campaignId },
        "live rates unavailable; keeping previous estimates",
      );
    }
  }

  async function snapshot(c: CampaignRuntime): Promise<PacingSnapshot> {
    const now = Date.now();
    const scope = { orgId: o.orgId };
    const [agents, calls] = await Promise.all([
      readLiveAgents(o.redis, scope, now),
      readLiveCalls(o.redis, { ...scope, campaignIds: [c.settings.campaignId] }, now),
    ]);
    const agentSnaps: AgentSnapshot[] = agents
      .filter((a) => !a.campaign || a.campaign === c.settings.campaignId)
      .map((a) => ({
        agentId: a.agentId,
        state: (["ready", "reserved", "on_call", "wrap_up", "paused", "logged_out"].includes(a.state)
          ? a.state
          : "paused") as AgentSnapshot["state"],
        secondsInState: a.secondsInState,
        skills: a.skills.map((s) => s.skill),
      }));
    const attempts: AttemptSnapshot[] = [];
    for (const cc of calls)
      for (const call of cc.calls) {
        const stage = STAGE[call.stage];
        if (!stage) continue;
        const age = Math.max(0, (now - call.since) / 1000);
        attempts.push({ attemptId: call.attempt, ageS: age, stage, stageAgeS: age });
      }
    // Commands older than 5 s without an attempt event are considered lost.
    const seen = new Set(attempts.map((a) => a.attemptId));
    for (const [id, at] of c.pending) {
      if (now - at >= 5_000) c.pending.delete(id);
      else if (!seen.has(id))
        attempts.push({
          attemptId: id,
          ageS: (now - at) / 1000,
          stage: "dialing",
          stageAgeS: (now - at) / 1000,
        });
    }
    return {
      now,
      campaign: c.settings,
      agents: agentSnaps,
      attempts,
      estimates: c.estimates,
      periods: c.periods,
    };
  }

  async function run(c: CampaignRuntime): Promise<void> {
    if (c.busy) return;
    c.busy = true;
    try {
      while (c.dirtySince !== null) {
        const since = c.dirtySince;
        c.dirtySince = null;
        await refreshRates(c);
        const snap = await snapshot(c);
        const { decision, state } = alg.decide(snap, c.state);
        c.state = state;
        const decisionId = `${c.settings.campaignId}-${Date.now().toString(36)}-${c.seq++}`;
        let launched = 0;
        if (decision.launch > 0 && o.launch) {
          const ready = snap.agents
            .filter((a) => a.state === "ready")
            .sort((a, b) => b.secondsInState - a.secondsInState)
            .map((a) => a.agentId);
          const r = await o.launch(c.settings, decisionId, decision.launch, decision.perLaunchAbandon, ready);
          for (const id of r.attemptIds) c.pending.set(id, Date.now());
          launched = r.attemptIds.length;
        }
        const latency = performance.now() - since;
        latencies.push(latency);
        if (latencies.length > 10_000) latencies.splice(0, 5_000);
        const x = decision.explanation;
        const ev = makeEvent({
          kind: "pacing.decision",
          org_id: o.orgId,
          decision_id: decisionId,
          campaign_id: c.settings.campaignId,
          mode: c.settings.mode,
          algorithm: x.algorithm,
          launch: decision.launch,
          agents_logged_in: snap.agents.filter((a) => a.state !== "logged_out").length,
          agents_ready: snap.agents.filter((a) => a.state === "ready").length,
          attempts_in_flight: snap.attempts.length,
          expected_agents_free: x.expectedAgentsFree,
          expected_live_answers: x.expectedLiveAnswers,
          predicted_abandon_probability: Math.min(1, x.predictedAbandonProbability),
          abandon_budget_left: x.abandonBudgetLeft,
          explanation: { limited_by: x.limitedBy, ...x.details, launched },
          latency_ms: latency,
        });
        o.nats.publish(subjectFor(ev), JSON.stringify(ev));
        o.onDecision?.(ev, latency);
      }
    } catch (err) {
      o.logger?.warn(
        {
          err: new PacingError("decision failed", "DECISION_FAILED", { cause: err }),
          campaign: c.settings.campaignId,
        },
        "decision failed",
      );
    } finally {
      c.busy = false;
    }
  }

  const tick = setInterval(() => {
    for (const c of rt.values()) {
      if (c.dirtySince === null) c.dirtySince = performance.now();
      void run(c);
    }
  }, o.tickMs ?? 1000);

  return {
    latencies,
    /** Decide for a campaign now (a lead just entered its list). */
    wake(campaignId: string): void {
      const c = rt.get(campaignId);
      if (!c) return;
      if (c.dirtySince === null) c.dirtySince = performance.now();
      void run(c);
    },
    p99(): number {
      const s = [...latencies].sort((a, b) => a - b);
      return s.length ? s[Math.min(s.length - 1, Math.floor(s.length * 0.99))]! : 0;
    },
    async stop(): Promise<void> {
      clearInterval(tick);
      sub.unsubscribe();
      for (let i = 0; i < 100 && [...rt.values()].some((c) => c.busy); i++)
        await new Promise((r) => setTimeout(r, 10));
    },
  };
}
