// One simulated agent of `npm start`: a SIP phone that calls into the media service and stays up
// for the shift, a person who signs in to the console, goes ready, talks while a customer is
// bridged (the phone sends speech), wraps up for a drawn time and dispositions through the
// console's own form actions, and takes a break now and then.
import { type CallCenterEvent, decodeEvent } from "@cc/ingest";
import type { AgentPhone, PhoneSwitch } from "@cc/media/testing";
import { Rng } from "@cc/pacing";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { type ConsoleClient, ConsoleClientError } from "./console-client.ts";

export interface SimAgentOptions {
  agentId: string;
  orgId: string;
  console: ConsoleClient;
  phones: PhoneSwitch;
  mediaSipUri: string;
  sipCredentials: { username: string; password: string };
  nc: NatsConnection;
  /** What the agent's phone sends while talking (looped). */
  voice: Int16Array;
  seed: string;
  log: Logger;
  wrapMeanS?: number;
  /** Chance, after each call, of taking a short break. */
  breakChance?: number;
}

type Disposition = "A" | "B" | "C" | "D";

export class SimAgent {
  readonly #o: SimAgentOptions;
  readonly #rng: Rng;
  #phone: AgentPhone | null = null;
  /** When the current phone's session came up (events older than that speak of an earlier one). */
  #phoneSince = 0;
  #sub: Subscription | null = null;
  #stopped = false;
  #timers = new Set<NodeJS.Timeout>();
  /** The call being handled, until it is dispositioned. */
  #attempt: string | null = null;
  /** A phone call-in is under way (one at a time, or the second would replace the first). */
  #connecting = false;
  /** Paused by the media service for want of a phone: ready again once the phone is back. */
  #technical = false;

  constructor(o: SimAgentOptions) {
    this.#o = o;
    this.#rng = new Rng(`sim-agent|${o.seed}|${o.agentId}`);
  }

  async start(): Promise<void> {
    this.#sub = this.#o.nc.subscribe(`cc.events.${this.#o.orgId}.agent.>`, {
      callback: (err, m) => {
        if (err) return;
        const r = decodeEvent(m.data);
        if (r.ok && "agent_id" in r.event && r.event.agent_id === this.#o.agentId)
          void this.#onEvent(r.event);
      },
    });
    await this.#connectPhone();
    await this.#ready();
  }

  async #connectPhone(): Promise<void> {
    if (this.#connecting) return;
    this.#connecting = true;
    try {
      for (let attempt = 0; !this.#stopped && !this.#phone; attempt++) {
        try {
          const phone = await this.#o.phones.agentPhone(this.#o.mediaSipUri, this.#o.sipCredentials);
          this.#phone = phone;
          this.#phoneSince = Date.now();
          phone.dialog.on("destroy", () => {
            if (this.#phone !== phone) return;
            this.#phone = null;
            this.#later(2_000, () => this.#connectPhone());
          });
        } catch (err) {
          this.#o.log.warn(
            { agent: this.#o.agentId, err: (err as Error).message },
            "phone could not connect; retrying",
          );
          await new Promise((r) => setTimeout(r, Math.min(10_000, 500 * 2 ** attempt)));
        }
      }
    } finally {
      this.#connecting = false;
    }
    // Back from a technical pause: the media service counts the phone before the ready lands.
    if (this.#technical && this.#phone) this.#later(500, () => this.#readyAfterTechnical());
  }

  async #readyAfterTechnical(): Promise<void> {
    if (!this.#technical || !this.#phone || this.#phone.ended) return;
    this.#technical = false;
    await this.#ready();
  }

  async #ready(): Promise<void> {
    if (this.#stopped) return;
    await this.#act("state", { state: "ready" }).catch((err: Error) =>
      this.#o.log.warn({ agent: this.#o.agentId, err: err.message }, "could not go ready"),
    );
  }

  /**
   * A console action, tried again while the dashboard cannot carry it out (it or NATS restarting:
   * a person would click again); a refusal of the action itself is final.
   */
  async #act(name: string, form: Record<string, string>): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#o.console.action(name, form);
      } catch (err) {
        const transient = !(err instanceof ConsoleClientError) || err.status >= 500;
        if (!transient || attempt >= 6 || this.#stopped) throw err;
        await new Promise((r) => setTimeout(r, 2_000));
      }
    }
  }

  async #onEvent(e: CallCenterEvent): Promise<void> {
    if (e.kind === "agent.device" && e.state === "disconnected" && e.reason !== "replaced") {
      // The switch or the media service lost the phone: drop what is left and call in again (not
      // waiting on the hang-up, which a dead switch answers only by timing out).
      if (this.#phone && Date.parse(e.occurred_at) < this.#phoneSince) return;
      const phone = this.#phone;
      this.#phone = null;
      if (phone && !phone.ended) void phone.hangup().catch(() => {});
      this.#later(1_000, () => this.#connectPhone());
      return;
    }
    if (e.kind === "agent.state_changed")
      this.#technical = e.state === "paused" && e.pause_reason === "technical";
    if (this.#technical) {
      // Paused for want of a phone: ready again once it is back (now, or when it reconnects).
      this.#later(3_000, () => this.#readyAfterTechnical());
      return;
    }
    if (e.kind !== "agent.state_changed" || !e.attempt_id) return;
    if (e.state === "on_call") {
      this.#attempt = e.attempt_id;
      this.#phone?.talk(this.#o.voice);
    } else if (e.state === "wrap_up" && e.attempt_id === this.#attempt) {
      this.#phone?.quiet();
      const wrapS = Math.max(2, this.#rng.lognormal(this.#o.wrapMeanS ?? 8, 4));
      this.#later(wrapS * 1000, () => this.#dispose(e.attempt_id!));
    }
  }

  async #dispose(attemptId: string): Promise<void> {
    const u = this.#rng.next();
    const disposition: Disposition = u < 0.08 ? "A" : u < 0.2 ? "B" : u < 0.5 ? "C" : "D";
    const callBack = disposition === "B" || (disposition === "C" && this.#rng.next() < 0.5);
    const next = callBack ? new Date(Date.now() + 3 * 3_600_000).toISOString().slice(0, 16) : "";
    try {
      await this.#act("dispose", {
        attempt_id: attemptId,
        disposition,
        notes: "simulated agent",
        next_contact: next,
        tz_offset_min: "0",
      });
    } catch (err) {
      this.#o.log.warn({ agent: this.#o.agentId, err: (err as Error).message }, "disposition refused");
      await this.#ready();
    }
    this.#attempt = null;
    if (this.#rng.next() < (this.#o.breakChance ?? 0.03)) await this.#takeBreak();
  }

  async #takeBreak(): Promise<void> {
    await this.#o.console.action("state", { state: "paused", pause_reason: "break" }).catch(() => {});
    this.#later(this.#rng.uniform(30, 120) * 1000, () => this.#ready());
  }

  #later(ms: number, fn: () => Promise<void>): void {
    if (this.#stopped) return;
    const t = setTimeout(() => {
      this.#timers.delete(t);
      void fn();
    }, ms);
    this.#timers.add(t);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#sub?.unsubscribe();
    await this.#o.console.action("state", { state: "paused", pause_reason: "other" }).catch(() => {});
    await this.#phone?.hangup().catch(() => {});
  }
}
