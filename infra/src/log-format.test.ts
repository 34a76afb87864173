import { stripVTControlCharacters } from "node:util";
import { describe, expect, it } from "vitest";
import { createLineFormatter, logFormatFor } from "./log-format.ts";

const clock = (ms: number) => new Date(ms).toISOString().slice(11, 19);
const plain = () => createLineFormatter({ color: false, clock });
const T = Date.UTC(2026, 10, 30, 2, 5, 30);

describe("logFormatFor", () => {
  it("is pretty in a terminal, JSON otherwise, and LOG_FORMAT wins either way", () => {
    expect(logFormatFor(undefined, true)).toBe("pretty");
    expect(logFormatFor(undefined, false)).toBe("json");
    expect(logFormatFor("json", true)).toBe("json");
    expect(logFormatFor("pretty", false)).toBe("pretty");
    expect(logFormatFor("loud", false)).toBe("json");
  });
});

describe("createLineFormatter", () => {
  it("turns a pino line into time, service, level, message and a few fields", () => {
    const line = JSON.stringify({
      level: 40,
      time: T,
      pid: 7,
      hostname: "vm",
      name: "cc-sink",
      msg: "insert failed; retrying",
      attempt: 2,
      batch: { size: 512 },
      err: { type: "Error", message: "ECONNREFUSED", stack: "Error: ECONNREFUSED\n at x" },
    });
    expect(plain()("sink", line)).toBe(
      '02:05:30 sink            WARN  insert failed; retrying attempt=2 batch={"size":512} err=ECONNREFUSED',
    );
  });

  it("shows the stack's own lines about a service under that service", () => {
    const line = JSON.stringify({
      level: 40,
      time: T,
      name: "stack",
      service: "sink",
      code: null,
      signal: "SIGKILL",
      restart: 1,
      next_delay_ms: 1000,
      msg: "service exited; restarting",
    });
    expect(plain()("stack", line)).toBe(
      "02:05:30 sink            WARN  service exited; restarting code=null signal=SIGKILL restart=1 next_delay_ms=1000",
    );
  });

  it("keeps at most six fields and shortens long values", () => {
    const fields = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`f${i}`, i]));
    const out = plain()(
      "pacing",
      JSON.stringify({ level: 30, time: T, msg: "m", ...fields, f8: "x".repeat(200) }),
    );
    expect(out).toBe("02:05:30 pacing          INFO  m f0=0 f1=1 f2=2 f3=3 f4=4 f5=5");
    const long = plain()("pacing", JSON.stringify({ level: 30, time: T, msg: "m", sql: "y".repeat(200) }));
    expect(long).toMatch(/ sql=y{79}…$/);
  });

  it("prefixes other output with its service (stack traces, drachtio, rtpengine)", () => {
    const out = plain()("drachtio-server", "2026-11-30 02:05:38.399508 Starting drachtio version 1.0.0");
    expect(out).toMatch(/^\d\d:\d\d:\d\d drachtio-server INFO {2}Starting drachtio version 1\.0\.0$/);
    expect(plain()("dashboard", "{not json")).toMatch(/ dashboard +INFO {2}\{not json$/);
  });

  it("folds nats-server's start-up banner into one line; warnings still pass", () => {
    const f = plain();
    const banner = [
      "[2220] 2026/11/30 02:05:29.996228 [INF] Starting nats-server",
      "[2220] 2026/11/30 02:05:29.996278 [INF]   Version:  2.9.10",
      "[2220] 2026/11/30 02:05:29.996280 [INF]   Git:      [not set]",
      "[2220] 2026/11/30 02:05:29.998235 [INF] Starting http monitor on 127.0.0.1:37383",
      "[2220] 2026/11/30 02:05:29.998586 [INF] Starting JetStream",
      "[2220] 2026/11/30 02:05:30.000528 [INF]     _ ___ _____ ___ _____ ___ ___   _   __  __",
      "[2220] 2026/11/30 02:05:30.000542 [INF] ",
      "[2220] 2026/11/30 02:05:30.000546 [INF] ---------------- JETSTREAM ----------------",
      '[2220] 2026/11/30 02:05:30.000787 [INF]   Store Directory: "/tmp/cc/nats/jetstream"',
      "[2220] 2026/11/30 02:05:30.004433 [INF]   Starting restore for stream '$G > CC_COMMANDS'",
      '[2220] 2026/11/30 02:05:30.045772 [WRN] Healthcheck failed: "failed to be ready for connections"',
      "[2220] 2026/11/30 02:05:30.061742 [INF]   Restored 18 messages for stream '$G > CC_COMMANDS'",
      "[2220] 2026/11/30 02:05:30.091614 [INF]   Restored 1,482 messages for stream '$G > CC_EVENTS'",
      "[2220] 2026/11/30 02:05:30.120000 [WRN] JetStream resource limits exceed server limits",
      "[2220] 2026/11/30 02:05:30.156956 [INF] Listening for client connections on 127.0.0.1:35523",
    ];
    const shown = banner.map((l) => f("nats-server", l)).filter((x) => x !== null);
    expect(shown).toHaveLength(1);
    expect(shown[0]).toMatch(/ nats-server +WARN {2}JetStream resource limits exceed server limits$/);
    const ready = f("nats-server", "[2220] 2026/11/30 02:05:30.165296 [INF] Server is ready");
    expect(ready).toMatch(
      / nats-server +INFO {2}nats-server ready: version 2\.9\.10, clients 127\.0\.0\.1:35523, monitor 127\.0\.0\.1:37383, JetStream store \/tmp\/cc\/nats\/jetstream, 1500 messages restored$/,
    );
    // After start-up every line shows, with nats-server's own level.
    expect(f("nats-server", "[2220] 2026/11/30 02:06:00.000000 [ERR] client write error")).toMatch(
      / nats-server +ERROR client write error$/,
    );
  });

  it("colors only when asked", () => {
    const line = JSON.stringify({ level: 50, time: T, msg: "boom" });
    const colored = createLineFormatter({ color: true, clock })("sink", line) ?? "";
    expect(colored).toContain("\u001b[");
    expect(stripVTControlCharacters(colored)).toBe("02:05:30 sink            ERROR boom");
  });
});
