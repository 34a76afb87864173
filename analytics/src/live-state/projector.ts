import { type CallCenterEvent, decodeEvent, EVENTS_STREAM, EVENTS_SUBJECT_PREFIX } from "@cc/ingest";
import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamManager,
  type JsMsg,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { createClient } from "redis";
import { CALL_STAGE_RANK, type CallStage, liveKeys } from "./keys.ts";
import { AGENT_UPDATE, CALL_UPDATE, SET_IF_NEWER } from "./lua.ts";

export type LiveRedis = ReturnType<typeof createClient>;

export interface LiveStateLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface LiveStateProjectorOptions {
  nats: NatsConnection;
  redis: LiveRedis;
  /** Durable consumer names start with this (one per filter). Default "live-state". */
  durablePrefix?: string;
  /** On first start, replay this much history to rebuild the picture. Default 12 h. */
  lookbackMs?: number;
  stream?: string;
  log?: LiveStateLogger;
}

export interface LiveStateProjector extends AsyncDisposable {
  /** Events applied (including ones found stale), and events that failed validation. */
  stats(): { applied: number; invalid: number };
  stop(): Promise<void>;
}

export class LiveStateError extends Error {
  readonly code: string;
  constructor(code: string, message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.name = "LiveStateError";
    this.code = code;
  }
}

const FILTERS = [
  { suffix: "agent", subject: `${EVENTS_SUBJECT_PREFIX}.*.agent.>` },
  { suffix: "call", subject: `${EVENTS_SUBJECT_PREFIX}.*.call.>` },
  { suffix: "pacing", subject: `${EVENTS_SUBJECT_PREFIX}.*.pacing.>` },
];

const DEL = "\0";

/** The Redis writes one event causes (exported for tests and for replays). */
export async function applyEvent(redis: LiveRedis, e: CallCenterEvent): Promise<void> {
  const ts = Date.parse(e.occurred_at);
  const org = e.org_id;
  const agentUpdate = (agent: string, group: string, fields: Record<string, string>) =>
    redis.eval(AGENT_UPDATE, {
      keys: [liveKeys.agent(org, agent), liveKeys.agents(org), liveKeys.changed(org), liveKeys.orgs()],
      arguments: [group, String(ts), agent, org, ...Object.entries(fields).flat()],
    });
  const callUpdate = (stage: CallStage | "done", fields: Record<string, unknown>) => {
    if (!("attempt_id" in e) || !e.attempt_id || !("campaign_id" in e) || !e.campaign_id) return;
    const rank = stage === "done" ? 0 : CALL_STAGE_RANK[stage];
    const body = stage === "done" ? {} : { ...fields, stage, since: ts };
    return redis.eval(CALL_UPDATE, {
      keys: [
        liveKeys.calls(org, e.campaign_id),
        liveKeys.callDone(org, e.attempt_id),
        liveKeys.campaigns(org),
        liveKeys.orgs(),
      ],
      arguments: [e.attempt_id, String(rank), JSON.stringify(body), e.campaign_id, org],
    });
  };

  switch (e.kind) {
    case "agent.login":
      // Agents start paused until they press "ready" (the state change carries that).
      await agentUpdate(e.agent_id, "login", {
        state: "paused",
        since: String(ts),
        pause_reason: DEL,
        team: e.team_id,
        skills: JSON.stringify(e.skills),
        campaign: e.campaign_id ?? "",
        login_at: String(ts),
      });
      return;
    case "agent.logout":
      await agentUpdate(e.agent_id, "state", { state: "logged_out", since: String(ts), pause_reason: DEL });
      return;
    case "agent.state_changed": {
      const f: Record<string, string> = {
        state: e.state,
        since: String(ts),
        pause_reason: e.state === "paused" ? (e.pause_reason ?? "other") : DEL,
      };
      if (e.campaign_id) f.campaign = e.campaign_id;
      if (e.team_id) f.team = e.team_id;
      if (e.attempt_id) f.attempt = e.attempt_id;
      await agentUpdate(e.agent_id, "state", f);
      return;
    }
    case "agent.skills_changed":
      await agentUpdate(e.agent_id, "skills", { skills: JSON.stringify(e.skills) });
      return;
    case "agent.device":
      await agentUpdate(e.agent_id, "device", { device: e.state === "connected" ? e.device : DEL });
      return;
    case "call.attempt_created":
      await callUpdate("created", {
        lead: e.lead_id,
        skill: e.skill ?? "",
        created: ts,
        mode: e.mode,
      });
      return;
    case "call.dialing":
      await callUpdate("dialing", { lead: e.lead_id });
      return;
    case "call.ringing":
      await callUpdate("ringing", { lead: e.lead_id });
      return;
    case "call.answered":
      await callUpdate(e.detection === "human" || e.detection === "unknown" ? "waiting" : "machine", {
        lead: e.lead_id,
        answered: ts,
      });
      return;
    case "call.bridged":
      await callUpdate("talking", { lead: e.lead_id, agent: e.agent_id });
      // The agent's current call: what the console pops and dispositions.
      await agentUpdate(e.agent_id, "call", {
        call_attempt: e.attempt_id,
        call_lead: e.lead_id,
        call_campaign: e.campaign_id,
        call_since: String(ts),
      });
      return;
    case "call.failed":
    case "call.abandoned":
    case "call.ended":
      await callUpdate("done", {});
      return;
    case "pacing.decision":
      await redis.eval(SET_IF_NEWER, {
        keys: [liveKeys.pacing(org, e.campaign_id), liveKeys.campaigns(org)],
        arguments: [String(ts), JSON.stringify(e), e.campaign_id],
      });
      return;
    default:
      return;
  }
}

async function ensureConsumer(
  jsm: JetStreamManager,
  stream: string,
  name: string,
  subject: string,
  lookbackMs: number,
): Promise<void> {
  try {
    await jsm.consumers.info(stream, name);
    return;
  } catch {
    // not there yet: create below
  }
  await jsm.consumers.add(stream, {
    durable_name: name,
    filter_subject: subject,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.StartTime,
    opt_start_time: new Date(Date.now() - lookbackMs).toISOString(),
    max_ack_pending: 20_000,
    ack_wait: 30_000_000_000,
  });
}

async function waitForStream(
  jsm: JetStreamManager,
  stream: string,
  signal: AbortSignal,
  log?: LiveStateLogger,
) {
  let warned = false;
  while (!signal.aborted) {
    try {
      await jsm.streams.info(stream);
      return;
    } catch (err) {
      if (!warned) log?.warn({ err: String(err), stream }, "live-state: waiting for the events stream");
      warned = true;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/**
 * Consumes agent.*, call.* and pacing.* events from CC_EVENTS (durable pull consumers, one per
 * filter since nats-server 2.9 takes one filter subject per consumer) and keeps the live
 * picture in Redis. Messages are acked after their Redis write; writes of a batch are
 * pipelined on the one connection, which keeps their order.
 */
export async function startLiveStateProjector(opts: LiveStateProjectorOptions): Promise<LiveStateProjector> {
  const stream = opts.stream ?? EVENTS_STREAM;
  const prefix = opts.durablePrefix ?? "live-state";
  const lookbackMs = opts.lookbackMs ?? 12 * 3_600_000;
  const jsm = await jetstreamManager(opts.nats);
  const js = jetstream(opts.nats);
  const abort = new AbortController();
  let applied = 0;
  let invalid = 0;
  const stoppers: Array<() => void> = [];

  const run = async (suffix: string, subject: string) => {
    await waitForStream(jsm, stream, abort.signal, opts.log);
    if (abort.signal.aborted) return;
    const name = `${prefix}-${suffix}`;
    await ensureConsumer(jsm, stream, name, subject, lookbackMs);
    const consumer = await js.consumers.get(stream, name);
    const messages = await consumer.consume({ max_messages: 512 });
    stoppers.push(() => void messages.stop());
    if (abort.signal.aborted) messages.stop();
    let batch: Array<{ m: JsMsg; p: Promise<void> }> = [];
    const flush = async () => {
      const current = batch;
      batch = [];
      for (const { m, p } of current) {
        try {
          await p;
          m.ack();
          applied++;
        } catch (err) {
          // Redis trouble: leave it unacked so JetStream redelivers after ack_wait.
          opts.log?.warn({ err: String(err), seq: m.seq }, "live-state: redis write failed");
          m.nak(1_000);
        }
      }
    };
    for await (const m of messages) {
      const r = decodeEvent(m.data);
      if (!r.ok) {
        // The sink dead-letters invalid events; here they are counted and skipped.
        invalid++;
        opts.log?.warn(
          { subject: m.subject, seq: m.seq, issues: r.issues },
          "live-state: invalid event skipped",
        );
        m.ack();
        continue;
      }
      batch.push({ m, p: applyEvent(opts.redis, r.event) });
      if (batch.length >= 256 || m.info.pending === 0) await flush();
    }
    await flush();
  };

  const runs = FILTERS.map((f) =>
    run(f.suffix, f.subject).catch((err) => {
      if (!abort.signal.aborted)
        opts.log?.warn({ err: String(err), filter: f.subject }, "live-state: consumer ended");
    }),
  );
  opts.log?.info({ stream, prefix }, "live-state projector started");

  const stop = async () => {
    abort.abort();
    for (const s of stoppers) s();
    await Promise.allSettled(runs);
  };
  return { stats: () => ({ applied, invalid }), stop, [Symbol.asyncDispose]: stop };
}
