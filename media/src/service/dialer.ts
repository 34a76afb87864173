// The dialer: a durable JetStream consumer of dial commands. Each command is claimed in Redis by
// its attempt id before anything else (a redelivery, a second media instance or a replay after a
// restart finds the claim and dials nothing), checked once more against the compliance rules,
// announced as call.attempt_created and originated. Invalid commands go to the dead-letter stream
// with the reason; blocked ones become call.blocked so their lead is settled.
import {
  type BlockReason,
  COMMANDS_STREAM,
  DialCommand,
  deadLetterFor,
  dialSubject,
  dlqSubject,
  type EventFields,
} from "@cc/ingest";
import { type CampaignConfig, type DncLookup, dialBlockReason, profileOf } from "@cc/pacing";
import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from "@nats-io/jetstream";
import type { Logger } from "pino";
import type { createClient } from "redis";
import type { SipCallControl } from "../sip/call-control.ts";
import { routeFor, type TrunkConfig } from "../sip/trunks.ts";
import type { Floor } from "./floor.ts";

type Redis = ReturnType<typeof createClient>;

export type DialResult = "dialed" | "duplicate" | "blocked" | "invalid";

export interface DialerOptions {
  js: JetStreamClient;
  jsm: JetStreamManager;
  redis: Redis;
  orgId: string;
  /** Names this instance in claims (who dialed an attempt). */
  instance: string;
  campaigns: ReadonlyMap<string, CampaignConfig>;
  trunks: readonly TrunkConfig[];
  dnc: DncLookup;
  cc: SipCallControl;
  floor: Floor;
  emit: (fields: EventFields, at?: number) => void;
  log: Logger;
  onResult?: (r: DialResult, reason?: string) => void;
  /** Commands in process at once. */
  maxInFlight?: number;
}

export const claimKey = (orgId: string, attemptId: string) => `cc:media:claim:${orgId}:${attemptId}`;

export class Dialer {
  readonly #o: DialerOptions;
  readonly durable: string;
  #stopping = false;
  #done: Promise<void> | null = null;
  #messages: { stop(): void } | null = null;

  constructor(o: DialerOptions) {
    this.#o = o;
    this.durable = `media-dialer-${o.orgId}`;
  }

  async start(): Promise<void> {
    await this.#ensureConsumer();
    const consumer = await this.#o.js.consumers.get(COMMANDS_STREAM, this.durable);
    this.#done = (async () => {
      while (!this.#stopping) {
        try {
          const messages = await consumer.consume({
            max_messages: this.#o.maxInFlight ?? 200,
            expires: 5_000,
          });
          this.#messages = messages;
          for await (const m of messages) {
            await this.#handle(m).catch((err: unknown) => {
              this.#o.log.error({ err, subject: m.subject }, "dial command failed; redelivering");
              m.nak(1_000);
            });
          }
        } catch (err) {
          if (!this.#stopping) this.#o.log.warn({ err }, "dial command consumer ended; re-subscribing");
        }
        if (!this.#stopping) await new Promise((r) => setTimeout(r, 500));
      }
    })();
  }

  async #ensureConsumer(): Promise<void> {
    const cfg = {
      durable_name: this.durable,
      filter_subject: dialSubject(this.#o.orgId, "*"),
      ack_policy: AckPolicy.Explicit,
      // Everything still in the stream: old commands are settled as expired, never dialed.
      deliver_policy: DeliverPolicy.All,
      ack_wait: 30_000_000_000,
      max_ack_pending: 2_000,
      max_deliver: 10,
    };
    try {
      await this.#o.jsm.consumers.info(COMMANDS_STREAM, this.durable);
    } catch {
      await this.#o.jsm.consumers.add(COMMANDS_STREAM, cfg);
    }
  }

  async #handle(m: JsMsg): Promise<void> {
    let json: unknown;
    try {
      json = m.json();
    } catch {
      json = undefined;
    }
    const parsed = DialCommand.safeParse(json);
    if (!parsed.success || parsed.data.org_id !== this.#o.orgId) {
      const issues = parsed.success
        ? [{ path: "org_id", message: `not this service's org (${this.#o.orgId})` }]
        : parsed.error.issues.map((i) => ({ path: i.path.join(".") || "(root)", message: i.message }));
      const dead = deadLetterFor(m, { msg: m, reason: "invalid_dial_command", issues });
      await this.#o.js.publish(dlqSubject("media"), JSON.stringify(dead));
      this.#o.log.warn({ subject: m.subject, issues }, "invalid dial command sent to the dead-letter stream");
      this.#o.onResult?.("invalid");
      m.term();
      return;
    }
    const result = await this.accept(parsed.data);
    this.#o.onResult?.(result.result, result.reason);
    m.ack();
  }

  /** Claims, checks and originates one command (exported for tests and replays). */
  async accept(cmd: DialCommand): Promise<{ result: DialResult; reason?: string }> {
    const claimed = await this.#o.redis.set(claimKey(this.#o.orgId, cmd.attempt_id), this.#o.instance, {
      NX: true,
      EX: 86_400,
    });
    if (claimed === null) {
      this.#o.log.info({ attempt: cmd.attempt_id }, "dial command already claimed; not dialed again");
      return { result: "duplicate" };
    }
    const cfg = this.#o.campaigns.get(cmd.campaign_id);
    const reason = cfg ? await this.#blockReason(cmd, cfg) : "unknown_campaign";
    if (reason || !cfg) {
      this.#block(cmd, reason ?? "unknown_campaign");
      return { result: "blocked", reason: reason ?? "unknown_campaign" };
    }
    this.#o.emit({
      kind: "call.attempt_created",
      org_id: cmd.org_id,
      attempt_id: cmd.attempt_id,
      campaign_id: cmd.campaign_id,
      lead_id: cmd.lead_id,
      phone: cmd.phone,
      caller_id: cmd.caller_id,
      mode: cmd.mode,
      attempt_no: cmd.attempt_no,
      decision_id: cmd.decision_id,
      ...(cmd.skill ? { skill: cmd.skill } : {}),
    });
    this.#o.floor.track(cmd, cfg);
    this.#o.cc.originate({
      attemptId: cmd.attempt_id,
      campaignId: cmd.campaign_id,
      phone: cmd.phone,
      callerId: cmd.caller_id,
      ringTimeoutS: cfg.ring_timeout_s,
      amd: cfg.amd,
      meta: { lead: cmd.lead_id, attempt_no: cmd.attempt_no },
    });
    return { result: "dialed" };
  }

  async #blockReason(cmd: DialCommand, cfg: CampaignConfig): Promise<BlockReason | null> {
    const reason = await dialBlockReason(cmd, profileOf(cfg), this.#o.dnc);
    if (reason) return reason;
    try {
      routeFor(this.#o.trunks, cmd.phone);
    } catch {
      return "no_route";
    }
    return null;
  }

  #block(cmd: DialCommand, reason: BlockReason): void {
    this.#o.log.info({ attempt: cmd.attempt_id, reason }, "dial command blocked");
    this.#o.emit({
      kind: "call.blocked",
      org_id: cmd.org_id,
      attempt_id: cmd.attempt_id,
      campaign_id: cmd.campaign_id,
      lead_id: cmd.lead_id,
      phone: cmd.phone,
      reason,
      decision_id: cmd.decision_id,
    });
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#messages?.stop();
    await this.#done;
  }
}
