// The inbound desk: carrier INVITEs to a configured number (DID) are screened (caller-ID lookup:
// blacklisted → 603 and `inbound.refused`), answered, walked through the number's IVR menu by
// DTMF and handed to the ACD. Everything else (agents' phones) passes on to the next handler.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { decodeEvent, type EventFields, newEventId } from "@cc/ingest";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import type Srf from "drachtio-srf";
import type { Logger } from "pino";
import type { createClient } from "redis";
import { wavBytes } from "../cpa/corpus/audio.ts";
import type { Rtpengine } from "../engine/rtpengine.ts";
import type { AgentPool } from "../service/agent-pool.ts";
import type { AgentLeg } from "../sip/ports.ts";
import { Acd, type AcdOptions, type CallInfo } from "./acd.ts";
import type { InboundAction, InboundConfig } from "./config.ts";
import { CallerDirectory } from "./directory.ts";
import { InboundCall } from "./inbound-call.ts";
import type { InboundMetrics } from "./metrics.ts";
import { PromptBook } from "./prompts.ts";

type Redis = ReturnType<typeof createClient>;

export interface InboundDeskOptions {
  srf: Srf;
  engine: Rtpengine;
  redis: Redis;
  nc: NatsConnection;
  orgId: string;
  callIdPrefix: string;
  mediaHost: string;
  config: InboundConfig;
  pool: AgentPool;
  agentLeg: (agentId: string) => AgentLeg | undefined;
  emit: (fields: EventFields, at?: number) => void;
  /** Where announcement clips and voicemail go (default: the config's data_dir or a temp dir). */
  dataDir: string;
  /** The call recorder (media/src/recording), when calls are recorded. */
  recorder?: () => InboundRecorder | null;
  metrics?: InboundMetrics;
  log: Logger;
}

/** What the desk needs of the call recorder (CallRecorder fits). */
export interface InboundRecorder {
  start(call: { attemptId: string; rtpCallId: string; agentId?: string; agentPorts: number[] }): void;
  finish(attemptId: string): unknown;
}

/** Queues' live figures (waiting now, longest wait), rewritten every second for the wallboard. */
export const liveQueuesKey = (org: string) => `cc:inbound:queues:${org}`;

/** The screen pop an agent's console shows when an inbound caller reaches them. */
export const popKey = (org: string, agentId: string) => `cc:inbound:pop:${org}:${agentId}`;

export class InboundDesk {
  readonly directory: CallerDirectory;
  readonly acd: Acd;
  readonly #o: InboundDeskOptions;
  readonly #calls = new Map<string, InboundCall>();
  readonly #subs: Subscription[] = [];
  #prompts: PromptBook | null = null;
  readonly #acdOptions: AcdOptions;
  #liveTimer: NodeJS.Timeout | undefined;
  #indexing: Promise<void> = Promise.resolve();

  constructor(options: InboundDeskOptions) {
    const metrics = options.metrics;
    // Every inbound event also counts in the metrics.
    const o: InboundDeskOptions = metrics
      ? {
          ...options,
          emit: (f, at) => {
            metrics.event(f);
            options.emit(f, at);
          },
        }
      : options;
    this.#o = o;
    this.directory = new CallerDirectory(o.redis, o.orgId, {
      countryCode: o.config.country_code,
      rememberDays: o.config.remember_agent_days,
    });
    this.#acdOptions = {
      orgId: o.orgId,
      config: o.config,
      pool: o.pool,
      agentLeg: o.agentLeg,
      prompts: null,
      emit: o.emit,
      onBridged: (agentId, call, info, queue) => void this.#bridged(agentId, call, info, queue),
      log: o.log,
    };
    this.acd = new Acd(this.#acdOptions);
  }

  /** Generates the announcement clips and follows lead and agent events. */
  async start(): Promise<void> {
    this.#prompts = await PromptBook.open(path.join(this.#o.dataDir, "prompts"), this.#o.config.language);
    this.#acdOptions.prompts = this.#prompts;
    const sub = (subject: string, fn: (e: ReturnType<typeof decodeEvent>) => void) =>
      this.#subs.push(
        this.#o.nc.subscribe(subject, {
          callback: (err, m) => {
            if (!err) fn(decodeEvent(m.data));
          },
        }),
      );
    sub(`cc.events.${this.#o.orgId}.lead.>`, (r) => {
      // One at a time, in order: lead.assigned needs the phone lead.created indexed.
      if (r.ok) {
        const e = r.event;
        this.#indexing = this.#indexing
          .then(() => this.directory.apply(e))
          .catch((err: unknown) => this.#o.log.warn({ err }, "caller index update failed"));
      }
    });
    this.#liveTimer = setInterval(() => void this.#publishLive(), 1_000);
    this.#liveTimer.unref();
    // After the service's own subscription has updated the pool (same connection, earlier sub).
    sub(`cc.events.${this.#o.orgId}.agent.>`, (r) => {
      if (r.ok && (r.event.kind === "agent.state_changed" || r.event.kind === "agent.login"))
        setImmediate(() => void this.acd.dispatch());
    });
  }

  /** Must come before the agents' digest challenge: carriers do not authenticate. */
  install(): void {
    // biome-ignore lint/complexity/noBannedTypes: drachtio-srf types `next` as Function
    this.#o.srf.use("invite", (req: Srf.SrfRequest, res: Srf.SrfResponse, next: Function) => {
      const action = this.#actionFor(req.calledNumber);
      if (!action) return void next();
      void this.#offer(req, res, action).catch((err: unknown) =>
        this.#o.log.error({ err }, "inbound call failed"),
      );
    });
  }

  #actionFor(did: string | undefined): InboundAction | null {
    if (!did) return null;
    const n = this.#o.config.numbers;
    return n[did] ?? n[did.replace(/^\+/, "")] ?? n[`+${did}`] ?? null;
  }

  async #offer(req: Srf.SrfRequest, res: Srf.SrfResponse, action: InboundAction): Promise<void> {
    const id = newEventId();
    const did = req.calledNumber;
    const who = await this.directory.lookup(req.callingNumber ?? "");
    const base = { org_id: this.#o.orgId, attempt_id: id, did, caller: who.phone.slice(0, 32) };
    const lead = who.customer ? { lead_id: who.customer.lead_id } : {};
    if (who.class === "blacklisted") {
      res.send(603);
      this.#o.emit({ kind: "inbound.refused", ...base, ...lead, reason: "blacklisted", sip_code: 603 });
      this.#o.log.info({ caller: who.phone, did }, "blacklisted caller refused");
      return;
    }
    let call: InboundCall;
    try {
      call = await InboundCall.answer(id, req, res, {
        srf: this.#o.srf,
        engine: this.#o.engine,
        mediaHost: this.#o.mediaHost,
        callIdPrefix: this.#o.callIdPrefix,
        log: this.#o.log,
      });
    } catch (err) {
      this.#o.log.warn({ err, did }, "inbound call not answered");
      if (!res.finalResponseSent) res.send(500);
      this.#o.emit({ kind: "inbound.refused", ...base, ...lead, reason: "media_error", sip_code: 500 });
      return;
    }
    this.#calls.set(id, call);
    const info: CallInfo = {
      did,
      caller: base.caller,
      ...(who.customer ? { leadId: who.customer.lead_id } : {}),
      ...(who.customer?.owner ? { owner: who.customer.owner } : {}),
      ...(who.lastAgent ? { lastAgent: who.lastAgent } : {}),
    };
    this.#o.emit({
      kind: "inbound.offered",
      ...base,
      ...lead,
      caller_class: who.class,
      ...(info.owner ? { owner_agent_id: info.owner } : {}),
      lookup_ms: Math.round(who.ms * 1000) / 1000,
    });
    const started = Date.now();
    call.once("ended", (by) => {
      this.#calls.delete(id);
      if (this.acd.has(id)) return; // the queue accounts for it
      // The caller (or the network) ended it in the menus; a menu's own goodbye or voicemail is not abandonment.
      if (by !== "system")
        this.#o.emit({
          kind: "inbound.abandoned",
          ...base,
          ...lead,
          stage: "ivr",
          wait_ms: Math.min(86_400_000, Date.now() - started),
        });
      this.#o.emit({ kind: "inbound.ended", ...base, ...lead, talk_s: 0, hangup_by: by });
    });
    await this.#run(call, info, action, "");
  }

  /** One IVR step: a menu (prompt, digit, retries), a queue, voicemail or goodbye. */
  async #run(call: InboundCall, info: CallInfo, action: InboundAction, digits: string): Promise<void> {
    if (call.ended) return;
    switch (action.type) {
      case "queue":
        this.acd.enqueue(call, info, action.queue, digits);
        return;
      case "menu":
        await this.#menu(call, info, action.menu, digits);
        return;
      case "voicemail":
        await this.#voicemail(call, info, action, digits);
        return;
      case "hangup": {
        const ms = action.prompt ? await call.play(action.prompt).catch(() => 0) : 0;
        setTimeout(() => void call.end("system"), ms + 200);
        return;
      }
    }
  }

  async #menu(call: InboundCall, info: CallInfo, menuId: string, digits: string): Promise<void> {
    const menu = this.#o.config.menus[menuId]!;
    call.clearDigits();
    for (let round = 0; round <= menu.retries && !call.ended; round++) {
      let promptMs = 0;
      try {
        promptMs = await call.play(menu.prompt);
      } catch (err) {
        this.#o.log.warn({ err, menu: menuId }, "menu prompt not played");
      }
      const digit = await call.nextDigit(promptMs + menu.timeout_s * 1000);
      if (digit === null && call.ended) return;
      const next = digit !== null ? menu.options[digit] : undefined;
      if (next) {
        await call.stopPlaying();
        await this.#run(call, info, next, digits + digit);
        return;
      }
    }
    await this.#run(call, info, menu.on_timeout, digits);
  }

  async #voicemail(
    call: InboundCall,
    info: CallInfo,
    action: Extract<InboundAction, { type: "voicemail" }>,
    digits: string,
  ): Promise<void> {
    if (action.prompt) {
      const ms = await call.play(action.prompt).catch(() => 0);
      await new Promise((r) => setTimeout(r, ms));
    }
    const pcm = await call.recordCaller(action.max_s * 1000);
    const dir = path.join(this.#o.dataDir, "voicemail");
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, `${call.id}.wav`);
    await writeFile(file, wavBytes(pcm));
    this.#o.emit({
      kind: "inbound.voicemail",
      org_id: this.#o.orgId,
      attempt_id: call.id,
      did: info.did,
      caller: info.caller,
      ...(info.leadId ? { lead_id: info.leadId } : {}),
      file,
      duration_s: pcm.length / 8000,
    });
    this.#o.log.info({ file, digits }, "voicemail left");
    await call.end("system");
  }

  async #bridged(agentId: string, call: InboundCall, info: CallInfo, queue: string): Promise<void> {
    const recorder = this.#o.recorder?.();
    if (recorder) {
      recorder.start({ attemptId: call.id, rtpCallId: call.rtpCallId, agentId, agentPorts: [call.usPort] });
      call.once("ended", () => void recorder.finish(call.id));
    }
    call.once("ended", () => {
      this.#o.redis.del(popKey(this.#o.orgId, agentId)).catch(() => {});
    });
    const pop = {
      call_id: call.id,
      caller: info.caller,
      lead_id: info.leadId ?? null,
      queue,
      at: Date.now(),
    };
    await Promise.all([
      this.directory.rememberAgent(info.caller, agentId),
      this.#o.redis.set(popKey(this.#o.orgId, agentId), JSON.stringify(pop), { EX: 4 * 3600 }),
    ]).catch((err: unknown) => this.#o.log.warn({ err }, "sticky agent or screen pop not stored"));
  }

  async #publishLive(): Promise<void> {
    const now = Date.now();
    const queues = this.acd.waiting(now);
    this.#o.metrics?.waiting(queues, Object.keys(this.#o.config.queues));
    const live = new Map(queues.map((q) => [q.queue, q]));
    const fields: Record<string, string> = {};
    for (const queue of Object.keys(this.#o.config.queues)) {
      const q = live.get(queue);
      fields[queue] = JSON.stringify({ waiting: q?.waiting ?? 0, longest_ms: q?.longestMs ?? 0, at: now });
    }
    const key = liveQueuesKey(this.#o.orgId);
    await this.#o.redis
      .multi()
      .hSet(key, fields)
      .expire(key, 10)
      .exec()
      .catch((err: unknown) => this.#o.log.warn({ err }, "live queue figures not written"));
  }

  get calls(): number {
    return this.#calls.size;
  }

  /** drachtio or rtpengine lost, or shutdown: every inbound call ends. */
  async endAll(by: "system" | "network"): Promise<void> {
    await Promise.all([...this.#calls.values()].map((c) => c.end(by)));
  }

  async stop(): Promise<void> {
    clearInterval(this.#liveTimer);
    for (const s of this.#subs) s.unsubscribe();
    await this.endAll("system");
  }
}
