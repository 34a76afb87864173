// Supervisors on agents' live calls: listen, whisper, barge. The supervisor's phone is a
// persistent session like an agent's (same digest credentials, their own user id). Starting
// re-points three rtpengine sides at a MonitorMixer of ours (see mixer.ts for why rtpengine does
// not mix here); stopping points the customer call and the agent back at each other and parks
// the supervisor. A call that ends takes its monitoring with it. Every start and end is an
// `agent.monitored` audit event.
import type { EventFields, MonitorMode, MonitorRequest } from "@cc/ingest";
import type { Logger } from "pino";
import type { AgentSession, AgentSessions } from "../sip/agent-sessions.ts";
import type { SipCallControl } from "../sip/call-control.ts";
import type { OutboundCall } from "../sip/outbound-call.ts";
import { MonitorMixer } from "./mixer.ts";

export type MonitorError =
  | "not_on_call"
  | "out_of_scope"
  | "no_phone"
  | "taken"
  | "not_monitoring"
  | "failed";
export type MonitorReply =
  | { ok: true; attempt_id: string; mode: MonitorMode | "stop" }
  | { ok: false; error: MonitorError };

interface Monitoring {
  call: OutboundCall;
  agent: AgentSession;
  supervisor: AgentSession;
  mixer: MonitorMixer;
  mode: MonitorMode;
  since: number;
}

export interface MonitorsOptions {
  orgId: string;
  cc: SipCallControl;
  sessions: AgentSessions;
  /** The agent's team (scope check), from the agent pool. */
  teamOf: (agentId: string) => string | undefined;
  mediaHost: string;
  emit: (f: EventFields) => void;
  log: Logger;
}

export class Monitors {
  readonly #o: MonitorsOptions;
  /** By attempt id: one supervisor per call. */
  readonly #active = new Map<string, Monitoring>();

  constructor(o: MonitorsOptions) {
    this.#o = o;
    o.cc.onEvent((e) => {
      if (e.type === "hungup" || e.type === "failed") void this.#callEnded(e.attemptId);
    });
    o.sessions.on("disconnected", (s) => {
      for (const m of this.#active.values()) if (m.supervisor === s) void this.#stop(m, "phone_lost");
    });
  }

  get active(): number {
    return this.#active.size;
  }

  async handle(req: MonitorRequest): Promise<MonitorReply> {
    const call = this.#o.cc.calls().find((c) => c.agentId === req.agent_id && c.stage === "bridged");
    if (!call) return { ok: false, error: "not_on_call" };
    const team = this.#o.teamOf(req.agent_id);
    if (req.teams !== null && (!team || !req.teams.includes(team)))
      return { ok: false, error: "out_of_scope" };
    const current = this.#active.get(call.req.attemptId);
    if (current && current.supervisor.agentId !== req.supervisor_id) return { ok: false, error: "taken" };
    if (req.mode === "stop") {
      if (!current) return { ok: false, error: "not_monitoring" };
      await this.#stop(current, "supervisor");
      return { ok: true, attempt_id: call.req.attemptId, mode: "stop" };
    }
    if (current) {
      this.#changeMode(current, req.mode);
      return { ok: true, attempt_id: call.req.attemptId, mode: req.mode };
    }
    const supervisor = this.#o.sessions.get(req.supervisor_id);
    const agent = this.#o.sessions.get(req.agent_id);
    if (!supervisor || req.supervisor_id === req.agent_id) return { ok: false, error: "no_phone" };
    if (!agent) return { ok: false, error: "not_on_call" };
    for (const m of this.#active.values()) if (m.supervisor === supervisor) await this.#stop(m, "moved");
    return await this.#start(call, agent, supervisor, req.mode);
  }

  async #start(
    call: OutboundCall,
    agent: AgentSession,
    supervisor: AgentSession,
    mode: MonitorMode,
  ): Promise<MonitorReply> {
    const host = this.#o.mediaHost;
    const us = call.usLocal;
    if (!us) return { ok: false, error: "not_on_call" };
    const mixer = await MonitorMixer.open(host, mode);
    mixer.connect("customer", us);
    mixer.connect("agent", agent.plainLocal);
    mixer.connect("supervisor", supervisor.plainLocal);
    mixer.start();
    const m: Monitoring = { call, agent, supervisor, mixer, mode, since: Date.now() };
    this.#active.set(call.req.attemptId, m);
    try {
      const ok = await call.repointBridged(mixer.socketFor("customer", us.law));
      if (!ok) throw new Error("call no longer bridged");
      await Promise.all([
        agent.pointAt(mixer.socketFor("agent", agent.plainLocal.law)),
        supervisor.pointAt(mixer.socketFor("supervisor", supervisor.plainLocal.law)),
      ]);
    } catch (err) {
      this.#o.log.error({ err, attempt: call.req.attemptId }, "monitoring could not start");
      await this.#restore(m);
      return { ok: false, error: "failed" };
    }
    this.#audit(m, "started");
    this.#o.log.info({ attempt: call.req.attemptId, supervisor: supervisor.agentId, mode }, "monitoring");
    return { ok: true, attempt_id: call.req.attemptId, mode };
  }

  #changeMode(m: Monitoring, mode: MonitorMode): void {
    if (m.mode === mode) return;
    this.#audit(m, "ended", "mode_changed");
    m.mode = mode;
    m.mixer.mode = mode;
    m.since = Date.now();
    this.#audit(m, "started");
  }

  /** The supervisor leaves (or their phone went): customer and agent straight again. */
  async #stop(m: Monitoring, reason: string): Promise<void> {
    if (this.#active.get(m.call.req.attemptId) !== m) return;
    await this.#restore(m);
    this.#audit(m, "ended", reason);
  }

  async #restore(m: Monitoring): Promise<void> {
    this.#active.delete(m.call.req.attemptId);
    const us = m.call.usLocal;
    const steps: Promise<unknown>[] = [m.supervisor.park()];
    if (us && m.call.stage === "bridged") {
      steps.push(m.call.repointBridged(m.agent.plainLocal), m.agent.pointAt(us));
    }
    const results = await Promise.allSettled(steps);
    for (const r of results)
      if (r.status === "rejected") this.#o.log.warn({ err: r.reason }, "monitor restore step failed");
    m.mixer.close();
  }

  /** The call ended: its teardown parks the agent; we park the supervisor and close the mixer. */
  async #callEnded(attemptId: string): Promise<void> {
    const m = this.#active.get(attemptId);
    if (!m) return;
    this.#active.delete(attemptId);
    m.mixer.close();
    await m.supervisor.park().catch((err: unknown) => this.#o.log.warn({ err }, "supervisor not parked"));
    this.#audit(m, "ended", "call_ended");
  }

  #audit(m: Monitoring, phase: "started" | "ended", reason?: string): void {
    this.#o.emit({
      kind: "agent.monitored",
      org_id: this.#o.orgId,
      agent_id: m.agent.agentId,
      supervisor_id: m.supervisor.agentId,
      attempt_id: m.call.req.attemptId,
      mode: m.mode,
      phase,
      ...(phase === "ended" ? { duration_s: Math.max(0, (Date.now() - m.since) / 1000) } : {}),
      ...(reason ? { reason } : {}),
    });
  }

  /** Shutdown: every monitored call goes straight again. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.#active.values()].map((m) => this.#stop(m, "media_stopped")));
  }
}
