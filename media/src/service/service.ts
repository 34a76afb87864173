// The media service put together: agents' phones and customer calls on drachtio + rtpengine, the
// dialer consuming pacing's commands, the floor routing live answers, events out to JetStream.
// It survives the loss of drachtio-server or rtpengine (every call in hand is accounted for, agents
// are freed and their phones reconnect) and, through the in-flight journal, its own crash.
import { tmpdir } from "node:os";
import path from "node:path";
import { type LiveAgent, type LiveRedis, readLiveAgents } from "@cc/analytics";
import { decodeEvent, type EventFields, ensureStreams, jetStreamFor } from "@cc/ingest";
import { type CampaignConfig, DncStore } from "@cc/pacing";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import type Srf from "drachtio-srf";
import type { Logger } from "pino";
import type { createClient } from "redis";
import { AmdParams } from "../cpa/amd.ts";
import type { FingerprintDb } from "../cpa/announcements.ts";
import type { Rtpengine } from "../engine/rtpengine.ts";
import type { InboundConfig } from "../inbound/config.ts";
import { InboundDesk } from "../inbound/desk.ts";
import type { InboundMetrics } from "../inbound/metrics.ts";
import { Monitors } from "../monitor/monitor.ts";
import { serveMonitorRequests } from "../monitor/serve.ts";
import { type LegQuality, qualityCollector } from "../quality/collector.ts";
import { type RecordingOptions, type Recordings, startRecordings } from "../recording/service.ts";
import { RtpEndpoint } from "../rtp/endpoint.ts";
import { AgentSessions } from "../sip/agent-sessions.ts";
import { SipCallControl } from "../sip/call-control.ts";
import type { TrunkConfig } from "../sip/trunks.ts";
import { AgentPool, type OwnState } from "./agent-pool.ts";
import { legAnalysis } from "./analysis.ts";
import { Dialer, type DialResult } from "./dialer.ts";
import { Floor, type FloorMetrics } from "./floor.ts";
import { InFlightJournal } from "./journal.ts";
import { type EventPublisher, eventPublisher } from "./publisher.ts";
import { serveRequests } from "./requests.ts";

type Redis = ReturnType<typeof createClient>;

export interface MediaServiceMetrics extends FloorMetrics {
  dialResult(r: DialResult, reason?: string): void;
  published(kind: string): void;
  publishFailed(): void;
  lost(what: "switch" | "engine", calls: number): void;
  /** One leg's quality at a call's end. */
  quality?(leg: "customer" | "agent", q: LegQuality): void;
}

export interface MediaServiceOptions {
  nc: NatsConnection;
  redis: Redis;
  srf: Srf;
  engine: Rtpengine;
  orgId: string;
  /** Names this instance (claims, journal, rtpengine call ids). */
  instance: string;
  /** Address of our RTP sockets as rtpengine reaches them. */
  mediaHost: string;
  sipSecret: string;
  realm: string;
  trunks: TrunkConfig[];
  campaigns: CampaignConfig[];
  fingerprints: FingerprintDb | null;
  maxDetectMs: number;
  /** Abandon message for campaigns that name none. */
  defaultAbandonMessage?: string;
  log: Logger;
  metrics?: MediaServiceMetrics;
  /** Record every bridged call (media/src/recording); absent: no recording. */
  recording?: RecordingOptions;
  /** Inbound numbers, IVR menus and ACD queues (media/src/inbound); absent: no inbound calls. */
  inbound?: InboundConfig | null;
  /** Where inbound prompts and voicemail are kept (default: the inbound config's, else a temp dir). */
  inboundDataDir?: string;
  inboundMetrics?: InboundMetrics;
}

export interface MediaService {
  readonly cc: SipCallControl;
  readonly sessions: AgentSessions;
  readonly pool: AgentPool;
  readonly floor: Floor;
  readonly dialer: Dialer;
  readonly publish: EventPublisher;
  readonly recordings: Recordings | null;
  readonly monitors: Monitors;
  readonly inbound: InboundDesk | null;
  health(): { ok: boolean; switch: boolean; engine: boolean; calls: number; phones: number; waiting: number };
  stop(): Promise<void>;
}

/**
 * The call's own limit on analysis is a safety net for a silent or broken stream: it must sit
 * above the longest any campaign's analyzer may take (its total analysis time plus the silence it
 * may still wait for at the limit), or it cuts the analyzer's last decisions short as "unknown".
 */
function safetyNetMs(configured: number, amd: Map<string, Partial<AmdParams>>): number {
  const longest = Math.max(
    ...[{}, ...amd.values()].map((over) => {
      const p = AmdParams.parse(over);
      return p.totalAnalysisMs + Math.max(p.afterGreetingSilenceMs, p.noisyAfterGreetingSilenceMs);
    }),
  );
  return Math.max(configured, longest + 200);
}

/** Validates each campaign's AMD overrides up front, naming the campaign. */
function amdOverrides(campaigns: CampaignConfig[]): Map<string, Partial<AmdParams>> {
  const out = new Map<string, Partial<AmdParams>>();
  for (const c of campaigns) {
    const r = AmdParams.partial().strict().safeParse(c.amd_params);
    if (!r.success) {
      throw new Error(
        `campaign ${c.id}: amd_params: ${r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`,
      );
    }
    out.set(c.id, r.data);
  }
  return out;
}

export async function startMediaService(o: MediaServiceOptions): Promise<MediaService> {
  const log = o.log;
  const campaigns = new Map(o.campaigns.map((c) => [c.id, c]));
  const amd = amdOverrides(o.campaigns);
  const callIdPrefix = `cc-${o.instance}-`;
  const { js, jsm } = await jetStreamFor(o.nc);
  await ensureStreams(jsm);
  const publish = eventPublisher(
    js,
    log,
    (e) => o.metrics?.published(e.kind),
    () => o.metrics?.publishFailed(),
  );
  const emit = (fields: EventFields, at?: number) => publish(fields, at);

  await cleanupEngine(o.engine, callIdPrefix, log);
  const journal = new InFlightJournal(o.redis, o.orgId, o.instance);
  const recovered = await recover(journal, o.orgId, emit, o.engine, callIdPrefix, log);

  const park = await RtpEndpoint.open(o.mediaHost);
  const sessions = new AgentSessions({
    srf: o.srf,
    engine: o.engine,
    orgId: o.orgId,
    sipSecret: o.sipSecret,
    realm: o.realm,
    callIdPrefix,
    park: { host: o.mediaHost, port: park.port, law: "PCMU" },
    log,
  });
  const pool = new AgentPool();
  // Carriers' INVITEs to our numbers are taken before the agents' digest challenge sees them.
  const inbound = o.inbound
    ? inboundDesk(o, o.inbound, { pool, sessions, emit, callIdPrefix, recordings: () => recordings, log })
    : null;
  await inbound?.start();
  inbound?.install();
  sessions.install();
  const cc = new SipCallControl({
    srf: o.srf,
    engine: o.engine,
    agents: sessions,
    trunks: o.trunks,
    mediaHost: o.mediaHost,
    analysisFor: (campaignId) =>
      legAnalysis({ amd: amd.get(campaignId) ?? {}, fingerprints: o.fingerprints }),
    maxDetectMs: safetyNetMs(o.maxDetectMs, amd),
    callIdPrefix,
    messageFile: (messageId, campaignId) => {
      const c = campaigns.get(campaignId);
      if (messageId === "voicemail") return c?.voicemail_message ?? null;
      return c?.abandon_message ?? o.defaultAbandonMessage ?? null;
    },
    beforeRelease: qualityCollector({
      engine: o.engine,
      orgId: o.orgId,
      emit,
      log,
      observed: (leg, q) => o.metrics?.quality?.(leg, q),
    }),
    log,
  });
  const recordings = o.recording
    ? startRecordings({ ...o.recording, engine: o.engine, orgId: o.orgId, cc, emit, log })
    : null;
  await seedPool(pool, await readLiveAgents(o.redis as unknown as LiveRedis, { orgId: o.orgId }), {
    recovered,
    emit,
    orgId: o.orgId,
  });
  const floor = new Floor({
    orgId: o.orgId,
    cc,
    pool,
    emit,
    log,
    journal,
    ...(o.metrics ? { metrics: o.metrics } : {}),
  });
  wirePhones(sessions, pool, floor, emit, o.orgId);
  if (inbound) sessions.on("connected", () => void inbound.acd.dispatch());
  const agentEvents = followAgents(o.nc, o.orgId, pool, floor, emit);

  const dialer = new Dialer({
    js,
    jsm,
    redis: o.redis,
    orgId: o.orgId,
    instance: o.instance,
    campaigns,
    trunks: o.trunks,
    dnc: new DncStore(o.redis, o.orgId),
    cc,
    floor,
    emit,
    log,
    ...(o.metrics ? { onResult: (r: DialResult, reason?: string) => o.metrics?.dialResult(r, reason) } : {}),
  });
  await dialer.start();
  const monitors = new Monitors({
    orgId: o.orgId,
    cc,
    sessions,
    teamOf: (agentId) => pool.get(agentId)?.team || undefined,
    mediaHost: o.mediaHost,
    emit,
    log,
  });
  const requests = [
    ...serveRequests({ nc: o.nc, orgId: o.orgId, cc, pool, sessions }),
    serveMonitorRequests({ nc: o.nc, orgId: o.orgId, monitors, log }),
  ];

  const signalling = watchSignalling(o, cc, sessions, inbound, log);

  return {
    cc,
    sessions,
    pool,
    floor,
    dialer,
    publish,
    recordings,
    monitors,
    inbound,
    health: () => ({
      ok: signalling.switchUp() && o.engine.up,
      switch: signalling.switchUp(),
      engine: o.engine.up,
      calls: cc.activeCalls,
      phones: sessions.list().length,
      waiting: floor.waiting,
    }),
    async stop() {
      await dialer.stop();
      for (const s of [...requests, agentEvents]) s.unsubscribe();
      await monitors.stopAll();
      await Promise.all([cc.hangupAll(), inbound?.stop()]);
      await sessions.dropAll("media_stopped");
      await recordings?.stop();
      await publish.drain();
      park.close();
    },
  };
}

/** Inbound numbers (IVR, queues, caller lookup) on the same agents and recorder as outbound. */
function inboundDesk(
  o: MediaServiceOptions,
  config: InboundConfig,
  d: {
    pool: AgentPool;
    sessions: AgentSessions;
    emit: (f: EventFields, at?: number) => void;
    callIdPrefix: string;
    recordings: () => Recordings | null;
    log: Logger;
  },
): InboundDesk {
  return new InboundDesk({
    srf: o.srf,
    engine: o.engine,
    redis: o.redis,
    nc: o.nc,
    orgId: o.orgId,
    callIdPrefix: d.callIdPrefix,
    mediaHost: o.mediaHost,
    config,
    pool: d.pool,
    agentLeg: (agentId) => d.sessions.get(agentId),
    emit: d.emit,
    dataDir: o.inboundDataDir ?? config.data_dir ?? path.join(tmpdir(), `cc-media-${o.orgId}-${o.instance}`),
    recorder: () => d.recordings()?.recorder ?? null,
    ...(o.inboundMetrics ? { metrics: o.inboundMetrics } : {}),
    log: d.log.child({ part: "inbound" }),
  });
}

/**
 * The switch (drachtio-server) or the engine (rtpengine) lost: every call and phone in hand is
 * accounted for at once, since their dialogs or media are gone with it.
 */
function watchSignalling(
  o: MediaServiceOptions,
  cc: SipCallControl,
  sessions: AgentSessions,
  inbound: InboundDesk | null,
  log: Logger,
): { switchUp: () => boolean } {
  let switchUp = true;
  const lose = async (what: "switch" | "engine", reason: string) => {
    const calls = cc.activeCalls;
    log.error(
      { what, calls, phones: sessions.list().length },
      `${what} lost: accounting for every call in hand`,
    );
    o.metrics?.lost(what, calls);
    await Promise.all([cc.loseAll(), inbound?.endAll("network")]);
    await sessions.dropAll(reason);
  };
  // drachtio-srf emits "close" when the switch connection drops (its typings omit it).
  (o.srf as unknown as { on(event: "close", l: () => void): void }).on("close", () => {
    if (!switchUp) return;
    switchUp = false;
    void lose("switch", "switch_lost");
  });
  o.srf.on("connect", () => {
    if (!switchUp) log.info("drachtio-server connection back");
    switchUp = true;
  });
  o.engine.on("down", (err) => {
    log.error({ err: err.message }, "rtpengine not answering");
    void lose("engine", "media_lost");
  });
  o.engine.on("restarted", () => void lose("engine", "media_restarted"));
  o.engine.watch();
  return { switchUp: () => switchUp };
}

/** Phones joining and leaving: device events, availability, calls they held. */
function wirePhones(
  sessions: AgentSessions,
  pool: AgentPool,
  floor: Floor,
  emit: (f: EventFields) => void,
  orgId: string,
): void {
  sessions.on("connected", (s) => {
    pool.setPhone(s.agentId, true);
    emit({ kind: "agent.device", org_id: orgId, agent_id: s.agentId, state: "connected", device: s.device });
    floor.agentAvailable();
  });
  sessions.on("disconnected", (s, reason) => {
    if (reason === "replaced") return;
    pool.setPhone(s.agentId, false);
    emit({
      kind: "agent.device",
      org_id: orgId,
      agent_id: s.agentId,
      state: "disconnected",
      device: s.device,
      reason,
    });
    floor.phoneLost(s.agentId);
    pauseIfReadyWithoutPhone(pool, s.agentId, emit, orgId);
  });
}

/** An agent marked ready without a phone would be counted by pacing and never reached: pause them. */
function pauseIfReadyWithoutPhone(
  pool: AgentPool,
  agentId: string,
  emit: (f: EventFields) => void,
  orgId: string,
) {
  const a = pool.get(agentId);
  if (!a || a.phone || a.state !== "ready") return;
  const { previousS } = pool.mark(agentId, "paused");
  emit({
    kind: "agent.state_changed",
    org_id: orgId,
    agent_id: agentId,
    state: "paused",
    previous_state: "ready",
    previous_state_s: Math.min(previousS, 7 * 86_400),
    pause_reason: "technical",
  });
}

/** Agent events from every source (console, other services, our own) keep the pool current. */
function followAgents(
  nc: NatsConnection,
  orgId: string,
  pool: AgentPool,
  floor: Floor,
  emit: (f: EventFields) => void,
): Subscription {
  return nc.subscribe(`cc.events.${orgId}.agent.>`, {
    callback: (err, m) => {
      if (err) return;
      const r = decodeEvent(m.data);
      if (!r.ok) return;
      pool.apply(r.event);
      if (r.event.kind === "agent.state_changed" && r.event.state === "ready") {
        pauseIfReadyWithoutPhone(pool, r.event.agent_id, emit, orgId);
        floor.agentAvailable();
      }
    },
  });
}

/** Deletes rtpengine calls a previous run of this instance left behind (crash, kill -9). */
async function cleanupEngine(engine: Rtpengine, prefix: string, log: Logger): Promise<void> {
  try {
    const stale = (await engine.callIds()).filter((id) => id.startsWith(prefix));
    await Promise.all(stale.map((id) => engine.delete(id)));
    if (stale.length) log.warn({ calls: stale.length }, "released rtpengine calls left by a previous run");
  } catch (err) {
    log.warn({ err }, "could not list rtpengine calls at start");
  }
}

/** Calls a crashed run had in hand get their terminal events; agents on them are freed. */
async function recover(
  journal: InFlightJournal,
  orgId: string,
  emit: (f: EventFields) => void,
  engine: Rtpengine,
  prefix: string,
  log: Logger,
): Promise<Map<string, OwnState>> {
  const freed = new Map<string, OwnState>();
  const entries = await journal.all();
  if (!entries.length) return freed;
  log.warn({ calls: entries.length }, "accounting for calls a previous run left in flight");
  for (const j of entries) {
    const call = { org_id: orgId, attempt_id: j.attemptId, campaign_id: j.campaignId, lead_id: j.leadId };
    if (j.stage === "dialing") {
      emit({ kind: "call.failed", ...call, cause: "network", ring_s: 0, detail: "media_restarted" });
    } else {
      emit({
        kind: "call.ended",
        ...call,
        ring_s: 0,
        talk_s: j.stage === "bridged" ? Math.min(86_400, (Date.now() - j.at) / 1000) : 0,
        hold_s: 0,
        wrap_s: 0,
        hangup_by: "network",
        ...(j.agentId && j.stage === "bridged" ? { agent_id: j.agentId } : {}),
      });
    }
    if (j.agentId) {
      freed.set(j.agentId, j.stage === "bridged" ? "wrap_up" : "ready");
      emit({
        kind: "agent.state_changed",
        org_id: orgId,
        agent_id: j.agentId,
        state: j.stage === "bridged" ? "wrap_up" : "ready",
        previous_state: j.stage === "bridged" ? "on_call" : "reserved",
        previous_state_s: 0,
        campaign_id: j.campaignId,
        attempt_id: j.attemptId,
      });
    }
    await engine.delete(`${prefix}${j.attemptId}`).catch(() => {});
    await journal.remove(j.attemptId);
  }
  return freed;
}

/**
 * Seeds the pool from the live picture at start. That picture may not show yet what the recovery
 * just published (the projector runs behind), and a call whose journal write was lost in the
 * crash left its agent reserved or on a call there: a fresh process holds no call, so such an
 * agent is freed here as the recovery would have (reserved → ready, on a call → wrap-up, where the
 * agent's disposition releases them), or the pool would never offer them a call again.
 */
async function seedPool(
  pool: AgentPool,
  live: LiveAgent[],
  o: { recovered: Map<string, OwnState>; emit: (f: EventFields) => void; orgId: string },
): Promise<void> {
  for (const a of live) {
    pool.seed({
      agentId: a.agentId,
      state: a.state,
      since: a.since,
      campaign: a.campaign,
      team: a.team,
      skills: a.skills.map((s) => s.skill),
    });
    const freedTo = o.recovered.get(a.agentId);
    if (freedTo) {
      pool.mark(a.agentId, freedTo);
    } else if (a.state === "reserved" || a.state === "on_call") {
      const state = a.state === "reserved" ? "ready" : "wrap_up";
      const { previousS } = pool.mark(a.agentId, state);
      o.emit({
        kind: "agent.state_changed",
        org_id: o.orgId,
        agent_id: a.agentId,
        state,
        previous_state: a.state,
        previous_state_s: Math.min(previousS, 7 * 86_400),
        ...(a.campaign ? { campaign_id: a.campaign } : {}),
        ...(a.call ? { attempt_id: a.call.attempt } : {}),
      });
    }
    // A phone the live picture still shows was held by a previous run: it is gone, say so (the
    // phone reconnects), and an agent left ready without it would be counted by pacing.
    if (a.device === "webrtc" || a.device === "sip") {
      o.emit({
        kind: "agent.device",
        org_id: o.orgId,
        agent_id: a.agentId,
        state: "disconnected",
        device: a.device,
        reason: "media_restarted",
      });
      pauseIfReadyWithoutPhone(pool, a.agentId, o.emit, o.orgId);
    }
  }
}
