import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseStoredJson } from "./stored-json.ts";

const Entry = z.object({ stage: z.enum(["dialing", "bridged"]), at: z.number() });

describe("parseStoredJson", () => {
  it("returns the typed value of a valid record", () => {
    expect(parseStoredJson(Entry, '{"stage":"bridged","at":5}')).toEqual({
      ok: true,
      value: { stage: "bridged", at: 5 },
    });
  });

  it("turns torn writes and foreign shapes into reasons, never objects", () => {
    const torn = parseStoredJson(Entry, '{"stage":"brid');
    expect(torn.ok).toBe(false);
    if (!torn.ok) expect(torn.reason).toMatch(/^not JSON/);
    const wrong = parseStoredJson(Entry, '{"stage":"flying","at":"soon"}');
    expect(wrong.ok).toBe(false);
    if (!wrong.ok) expect(wrong.reason).toMatch(/stage: .*; at: /);
    expect(parseStoredJson(Entry, "null").ok).toBe(false);
    expect(parseStoredJson(Entry, "[]").ok).toBe(false);
  });
});
