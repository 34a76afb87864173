import { describe, expect, it } from "vitest";
import type { EngineUser } from "./engine.ts";
import { narrowProfile } from "./profile-limits.ts";

const analyst: EngineUser = {
  name: "analyst",
  role: "analyst",
  profile: { max_execution_time: "30", max_result_rows: "0" },
  readonly: 1,
};

describe("narrowProfile", () => {
  it("lets a read-only user tighten a limit of its profile, never loosen it", () => {
    expect(narrowProfile(analyst, { max_execution_time: "10" }).user.profile.max_execution_time).toBe("10");
    expect(narrowProfile(analyst, { max_execution_time: "35" }).user.profile.max_execution_time).toBe("30");
    expect(narrowProfile(analyst, { max_execution_time: "0" }).user.profile.max_execution_time).toBe("30");
    expect(narrowProfile(analyst, { max_result_rows: "500" }).user.profile.max_result_rows).toBe("500");
  });

  it("leaves every other setting to the engine (which refuses changes under readonly=1)", () => {
    const { settings } = narrowProfile(analyst, {
      max_execution_time: "35",
      max_threads: "2",
      readonly: "0",
    });
    expect(settings).toEqual({ max_threads: "2", readonly: "0" });
    expect(narrowProfile(analyst, { max_execution_time: "abc" }).settings).toEqual({
      max_execution_time: "abc",
    });
  });

  it("does not touch a user that may change settings", () => {
    const writer: EngineUser = { ...analyst, name: "w", role: "writer", readonly: 0 };
    const out = narrowProfile(writer, { max_execution_time: "35" });
    expect(out.user).toBe(writer);
    expect(out.settings).toEqual({ max_execution_time: "35" });
  });
});
