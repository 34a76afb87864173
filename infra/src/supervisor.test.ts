import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { backoffDelay, type Incarnation, type ServiceStatus, Supervisor } from "./supervisor.ts";

/** A fake child process: `crash()` ends it as a kill -9 would; `stop()` ends it cleanly. */
class FakeService {
  starts = 0;
  stops = 0;
  failNextStarts = 0;
  #end: ((exit: { code: number | null; signal: string | null }) => void) | null = null;
  readonly name: string;
  readonly stopOrder: string[];
  constructor(name: string, stopOrder: string[] = []) {
    this.name = name;
    this.stopOrder = stopOrder;
  }
  start = async (): Promise<Incarnation> => {
    this.starts++;
    if (this.failNextStarts > 0) {
      this.failNextStarts--;
      throw new Error(`${this.name} not ready in time:\nlast lines`);
    }
    let ended = false;
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
      this.#end = (exit) => {
        ended = true;
        resolve(exit);
      };
    });
    return {
      pid: 1000 + this.starts,
      exited,
      stop: async () => {
        if (ended) return;
        this.stops++;
        this.stopOrder.push(this.name);
        this.#end?.({ code: 0, signal: null });
      },
    };
  };
  crash(signal = "SIGKILL") {
    this.#end?.({ code: null, signal });
  }
}

const quietLog = () => ({ info: vi.fn(), warn: vi.fn(), error: vi.fn() });
const status = (sup: Supervisor, name: string) =>
  sup.statuses().find((s) => s.name === name) as ServiceStatus;

describe("backoffDelay", () => {
  it("doubles from 1 s and stops at 30 s", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 50].map((n) => backoffDelay(n, 1_000, 30_000))).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000,
    ]);
  });
});

describe("Supervisor", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_700_000_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("restarts a crashed service after the backoff and leaves the others running", async () => {
    const log = quietLog();
    const sup = new Supervisor({ log });
    const sink = new FakeService("sink");
    const intake = new FakeService("intake");
    await sup.add("sink", sink.start);
    await sup.add("intake", intake.start);

    sink.crash();
    await vi.advanceTimersByTimeAsync(0);
    expect(status(sup, "sink")).toMatchObject({
      state: "backoff",
      last_exit: { code: null, signal: "SIGKILL" },
      next_start_at: Date.now() + 1_000,
    });
    expect(log.warn).toHaveBeenCalledWith(
      expect.objectContaining({ service: "sink", signal: "SIGKILL", restart: 1, next_delay_ms: 1_000 }),
      "service exited; restarting",
    );
    await vi.advanceTimersByTimeAsync(999);
    expect(sink.starts).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sink.starts).toBe(2);
    expect(status(sup, "sink")).toMatchObject({ state: "running", restarts: 1, pid: 1002 });
    expect(status(sup, "intake")).toMatchObject({ state: "running", restarts: 0, pid: 1001 });
    expect(intake.stops).toBe(0);
  });

  it("backs off exponentially to 30 s, and a stable minute resets it", async () => {
    const sup = new Supervisor({ log: quietLog() });
    const sink = new FakeService("sink");
    await sup.add("sink", sink.start);
    const delays: number[] = [];
    for (let i = 0; i < 7; i++) {
      sink.crash();
      await vi.advanceTimersByTimeAsync(0);
      const s = status(sup, "sink");
      delays.push((s.next_start_at as number) - Date.now());
      await vi.advanceTimersByTimeAsync(delays.at(-1) as number);
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
    await vi.advanceTimersByTimeAsync(60_000);
    sink.crash();
    await vi.advanceTimersByTimeAsync(0);
    expect((status(sup, "sink").next_start_at as number) - Date.now()).toBe(1_000);
  });

  it("reports crash-looping at 3 crashes in 5 minutes, and clears it when they age out", async () => {
    const log = quietLog();
    const sup = new Supervisor({ log });
    const sink = new FakeService("sink");
    await sup.add("sink", sink.start);
    for (let i = 0; i < 2; i++) {
      sink.crash();
      await vi.advanceTimersByTimeAsync(5_000);
    }
    expect(status(sup, "sink")).toMatchObject({ recent_crashes: 2, crash_looping: false });
    sink.crash("SIGSEGV");
    await vi.advanceTimersByTimeAsync(0);
    expect(status(sup, "sink")).toMatchObject({ recent_crashes: 3, crash_looping: true });
    expect(log.error).toHaveBeenCalledWith(
      expect.objectContaining({ service: "sink", signal: "SIGSEGV", crashes_5min: 3 }),
      "service is crash-looping; restarting",
    );
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(status(sup, "sink")).toMatchObject({ state: "running", recent_crashes: 0, crash_looping: false });
  });

  it("keeps trying when a restart fails before the service is ready", async () => {
    const log = quietLog();
    const sup = new Supervisor({ log });
    const sink = new FakeService("sink");
    await sup.add("sink", sink.start);
    sink.failNextStarts = 2;
    sink.crash();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(status(sup, "sink")).toMatchObject({
      state: "backoff",
      last_exit: { error: "sink not ready in time:" },
    });
    await vi.advanceTimersByTimeAsync(2_000);
    expect(status(sup, "sink").state).toBe("backoff");
    await vi.advanceTimersByTimeAsync(4_000);
    expect(sink.starts).toBe(4);
    expect(status(sup, "sink")).toMatchObject({ state: "running", restarts: 3 });
  });

  it("a first start that fails is thrown and not supervised", async () => {
    const sup = new Supervisor({ log: quietLog() });
    const sink = new FakeService("sink");
    sink.failNextStarts = 1;
    await expect(sup.add("sink", sink.start)).rejects.toThrow("not ready in time");
    expect(sup.statuses()).toEqual([]);
  });

  it("stops in reverse order and never restarts during shutdown", async () => {
    const order: string[] = [];
    const sup = new Supervisor({ log: quietLog() });
    const nats = new FakeService("nats-server", order);
    const sink = new FakeService("sink", order);
    const intake = new FakeService("intake", order);
    await sup.add("nats-server", nats.start);
    sup.attach("simulated carrier", async () => {
      order.push("simulated carrier");
    });
    await sup.add("sink", sink.start);
    await sup.add("intake", intake.start);
    sink.crash();
    await vi.advanceTimersByTimeAsync(0);
    expect(status(sup, "sink").state).toBe("backoff");
    await sup.stopAll();
    expect(order).toEqual(["intake", "simulated carrier", "nats-server"]);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(sink.starts).toBe(1);
    expect(sup.statuses().map((s) => s.state)).toEqual(["stopped", "stopped", "stopped"]);
    await expect(sup.add("late", new FakeService("late").start)).rejects.toThrow("stopping");
  });

  it("publishes every state change", async () => {
    const seen: string[] = [];
    const sup = new Supervisor({
      log: quietLog(),
      onChange: (all) => seen.push(all.map((s) => `${s.name}:${s.state}`).join(",")),
    });
    const sink = new FakeService("sink");
    await sup.add("sink", sink.start);
    sink.crash();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(seen).toEqual(["sink:running", "sink:backoff", "sink:starting", "sink:running"]);
  });
});
