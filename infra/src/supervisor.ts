// `npm start`'s supervisor: a service that exits on its own is started again after a backoff
// (1 s, 2 s, 4 s … 30 s; back to 1 s once it has run for a stable minute) while the rest keeps
// running. Repeated crashes (3 in 5 minutes) mark the service as crash-looping, which the
// wallboard's health strip and /health show. Stopping is in reverse start order, with no
// restarts once it has begun.
import type { ManagedProcess } from "./launchers/process.ts";

/** How one run of a service ended. */
export interface ServiceExit {
  code: number | null;
  signal: string | null;
  /** Epoch ms. */
  at: number;
  /** Why a restart attempt failed before the service was ready (launcher message). */
  error?: string;
}

/** One running process of a service, as the supervisor needs it. */
export interface Incarnation {
  pid: number;
  /** Resolves when the process has ended, for whatever reason. */
  exited: Promise<Omit<ServiceExit, "at">>;
  stop(): Promise<void>;
}

export type ServiceState = "starting" | "running" | "backoff" | "stopping" | "stopped";

/** What the wallboard and /health read per service (also written to Redis, see stack-status.ts). */
export interface ServiceStatus {
  name: string;
  state: ServiceState;
  pid: number | null;
  /** Restarts since the stack started. */
  restarts: number;
  /** Crashes inside the crash window (default 5 minutes). */
  recent_crashes: number;
  crash_looping: boolean;
  last_exit: ServiceExit | null;
  /** Epoch ms when the current state began. */
  since: number;
  /** Epoch ms of the next start attempt while in backoff. */
  next_start_at: number | null;
}

export interface SupervisorLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface SupervisorOptions {
  log: SupervisorLog;
  /** First restart delay (default 1 s), doubled per crash in a row up to `maxDelayMs` (30 s). */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** A run this long resets the backoff (default 60 s). */
  stableMs?: number;
  /** `crashLoopCrashes` crashes within `crashWindowMs` mark a service crash-looping (3 in 5 min). */
  crashWindowMs?: number;
  crashLoopCrashes?: number;
  /** Called after every state change (status publishing). */
  onChange?: (statuses: ServiceStatus[]) => void;
  now?: () => number;
}

/** The restart delay after `streak` crashes in a row (1-based): exponential, capped. */
export function backoffDelay(streak: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, initialMs * 2 ** Math.max(0, Math.min(streak - 1, 30)));
}

/** An incarnation of a launcher-started process (exit code and signal from the child). */
export function incarnationOf(
  proc: ManagedProcess,
  stop: () => Promise<void> = () => proc.stop(),
): Incarnation {
  return {
    pid: proc.pid,
    exited: proc.exited.then((code) => ({ code, signal: proc.child.signalCode })),
    stop,
  };
}

interface Supervised {
  name: string;
  /** Attached: stopped in order with the rest, but neither watched nor restarted. */
  attached: boolean;
  start: () => Promise<Incarnation>;
  current: Incarnation | null;
  starting: Promise<unknown> | null;
  timer: NodeJS.Timeout | null;
  state: ServiceState;
  since: number;
  startedAt: number;
  streak: number;
  restarts: number;
  crashes: number[];
  lastExit: ServiceExit | null;
  nextStartAt: number | null;
  loopReported: boolean;
}

export class Supervisor {
  readonly #services: Supervised[] = [];
  readonly #o: Required<Omit<SupervisorOptions, "onChange">> & Pick<SupervisorOptions, "onChange">;
  #stopping = false;

  constructor(opts: SupervisorOptions) {
    this.#o = {
      initialDelayMs: 1_000,
      maxDelayMs: 30_000,
      stableMs: 60_000,
      crashWindowMs: 5 * 60_000,
      crashLoopCrashes: 3,
      now: Date.now,
      ...opts,
    };
  }

  /** Starts a service and keeps it running. The first start's failure is thrown (start aborts). */
  async add(name: string, start: () => Promise<Incarnation>): Promise<void> {
    if (this.#stopping) throw new Error(`the stack is stopping: ${name} not started`);
    const now = this.#o.now();
    const svc: Supervised = {
      name,
      attached: false,
      start,
      current: null,
      starting: null,
      timer: null,
      state: "starting",
      since: now,
      startedAt: now,
      streak: 0,
      restarts: 0,
      crashes: [],
      lastExit: null,
      nextStartAt: null,
      loopReported: false,
    };
    const first = start();
    svc.starting = first;
    this.#services.push(svc);
    try {
      this.#running(svc, await first);
    } catch (err) {
      this.#services.splice(this.#services.indexOf(svc), 1);
      throw err;
    } finally {
      svc.starting = null;
    }
  }

  /**
   * Something to stop in order with the services but not to restart (e.g. the simulated carrier,
   * a set of SIPp processes whose exits its own owner handles).
   */
  attach(name: string, stop: () => Promise<void>): void {
    const now = this.#o.now();
    this.#services.push({
      name,
      attached: true,
      start: () => Promise.reject(new Error(`${name} is not restartable`)),
      current: { pid: 0, exited: new Promise(() => undefined), stop },
      starting: null,
      timer: null,
      state: "running",
      since: now,
      startedAt: now,
      streak: 0,
      restarts: 0,
      crashes: [],
      lastExit: null,
      nextStartAt: null,
      loopReported: false,
    });
  }

  /** Per supervised service, in start order. */
  statuses(): ServiceStatus[] {
    const now = this.#o.now();
    return this.#services
      .filter((s) => !s.attached)
      .map((s) => {
        const recent = s.crashes.filter((t) => now - t < this.#o.crashWindowMs).length;
        return {
          name: s.name,
          state: s.state,
          pid: s.current?.pid ?? null,
          restarts: s.restarts,
          recent_crashes: recent,
          crash_looping: recent >= this.#o.crashLoopCrashes,
          last_exit: s.lastExit,
          since: s.since,
          next_start_at: s.nextStartAt,
        };
      });
  }

  /** Stops every service in reverse start order; no restarts from now on. */
  async stopAll(): Promise<void> {
    this.#stopping = true;
    for (const svc of [...this.#services].reverse()) {
      if (svc.timer) clearTimeout(svc.timer);
      svc.timer = null;
      svc.nextStartAt = null;
      await svc.starting?.catch(() => undefined);
      const current = svc.current;
      if (current) {
        this.#set(svc, "stopping");
        try {
          await current.stop();
          this.#o.log.info({ service: svc.name }, "stopped");
        } catch (err) {
          this.#o.log.error({ service: svc.name, err }, "stop failed");
        }
      }
      svc.current = null;
      this.#set(svc, "stopped");
    }
  }

  #set(svc: Supervised, state: ServiceState): void {
    svc.state = state;
    svc.since = this.#o.now();
    this.#o.onChange?.(this.statuses());
  }

  #running(svc: Supervised, inc: Incarnation): void {
    svc.current = inc;
    svc.startedAt = this.#o.now();
    this.#set(svc, "running");
    void inc.exited.then(async (exit) => {
      if (svc.current !== inc) return;
      svc.current = null;
      if (this.#stopping) return;
      const at = this.#o.now();
      // Stopping an ended process releases what its launcher holds (temp dirs, port locks).
      await inc.stop().catch(() => undefined);
      if (!this.#stopping) this.#crashed(svc, { ...exit, at });
    });
  }

  #crashed(svc: Supervised, exit: ServiceExit): void {
    const now = this.#o.now();
    if (now - svc.startedAt >= this.#o.stableMs) svc.streak = 0;
    svc.streak++;
    svc.lastExit = exit;
    svc.crashes = [...svc.crashes.filter((t) => now - t < this.#o.crashWindowMs), now];
    const delay = backoffDelay(svc.streak, this.#o.initialDelayMs, this.#o.maxDelayMs);
    svc.nextStartAt = now + delay;
    const looping = svc.crashes.length >= this.#o.crashLoopCrashes;
    const fields = {
      service: svc.name,
      code: exit.code,
      signal: exit.signal,
      ...(exit.error ? { error: exit.error } : {}),
      restart: svc.restarts + 1,
      next_delay_ms: delay,
      crashes_5min: svc.crashes.length,
    };
    if (looping && !svc.loopReported) this.#o.log.error(fields, "service is crash-looping; restarting");
    else this.#o.log.warn(fields, "service exited; restarting");
    svc.loopReported = looping;
    svc.timer = setTimeout(() => this.#restart(svc), delay);
    this.#set(svc, "backoff");
  }

  #restart(svc: Supervised): void {
    svc.timer = null;
    svc.nextStartAt = null;
    if (this.#stopping) return;
    svc.restarts++;
    this.#set(svc, "starting");
    const attempt = svc.start().then(
      (inc) => {
        if (this.#stopping) {
          svc.current = inc;
          return;
        }
        this.#running(svc, inc);
        this.#o.log.info(
          { service: svc.name, child_pid: inc.pid, restarts: svc.restarts },
          "service restarted",
        );
      },
      (err: unknown) => {
        if (this.#stopping) return;
        svc.startedAt = this.#o.now();
        this.#crashed(svc, {
          code: null,
          signal: null,
          at: this.#o.now(),
          error: (err as Error).message.split("\n")[0] ?? String(err),
        });
      },
    );
    svc.starting = attempt;
    void attempt.finally(() => {
      if (svc.starting === attempt) svc.starting = null;
    });
  }
}
