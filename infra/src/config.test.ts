import { describe, expect, it } from "vitest";
import { ConfigError, loadStackConfig } from "./config.ts";

describe("stack configuration", () => {
  it("applies defaults for a bare environment", () => {
    const cfg = loadStackConfig({});
    expect(cfg.NATS_PORT).toBe(4222);
    expect(cfg.CLICKHOUSE_PORT).toBe(8123);
    expect(cfg.DEMO_CAMPAIGN).toBe(true);
    expect(cfg.CLICKHOUSE_URL).toBeUndefined();
  });

  it("coerces ports and flags from strings", () => {
    const cfg = loadStackConfig({ NATS_PORT: "14222", DEMO_CAMPAIGN: "0" });
    expect(cfg.NATS_PORT).toBe(14222);
    expect(cfg.DEMO_CAMPAIGN).toBe(false);
  });

  it("rejects bad values with the variable name in the message", () => {
    expect(() => loadStackConfig({ REDIS_PORT: "70000" })).toThrow(ConfigError);
    expect(() => loadStackConfig({ REDIS_PORT: "70000" })).toThrow(/REDIS_PORT/);
    expect(() => loadStackConfig({ CLICKHOUSE_URL: "ftp://x" })).toThrow(/CLICKHOUSE_URL/);
  });
});
