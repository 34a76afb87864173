import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addDays,
  addMonths,
  expiryDay,
  localDate,
  releaseInstant,
  reminderInstant,
  zonedInstant,
} from "./calendar.ts";

const rule = (timeZone: string) => ({ timeZone, holdDays: 15, releaseHour: 10 });

describe("calendar in the org's zone", () => {
  it("puts 10:00 Shanghai at 02:00 UTC", () => {
    expect(new Date(zonedInstant("Asia/Shanghai", "2026-12-15", 10)).toISOString()).toBe(
      "2026-12-15T02:00:00.000Z",
    );
  });

  it("is 10:00 New York on both sides of the DST switches (EDT −4, EST −5)", () => {
    // 2026: DST starts Sun 8 March, ends Sun 1 November.
    expect(new Date(zonedInstant("America/New_York", "2026-03-07", 10)).toISOString()).toBe(
      "2026-03-07T15:00:00.000Z",
    );
    expect(new Date(zonedInstant("America/New_York", "2026-03-08", 10)).toISOString()).toBe(
      "2026-03-08T14:00:00.000Z",
    );
    expect(new Date(zonedInstant("America/New_York", "2026-10-31", 10)).toISOString()).toBe(
      "2026-10-31T14:00:00.000Z",
    );
    expect(new Date(zonedInstant("America/New_York", "2026-11-01", 10)).toISOString()).toBe(
      "2026-11-01T15:00:00.000Z",
    );
  });

  it("a hold claimed late evening in Shanghai expires on the local day + 15, not the UTC day", () => {
    // 23:30 Shanghai on 30 Nov is 15:30 UTC on 30 Nov; 00:30 on 1 Dec is 16:30 UTC on 30 Nov.
    const r = rule("Asia/Shanghai");
    expect(expiryDay(r, Date.parse("2026-11-30T15:30:00Z"))).toBe("2026-12-15");
    expect(expiryDay(r, Date.parse("2026-11-30T16:30:00Z"))).toBe("2026-12-16");
    expect(new Date(releaseInstant(r, "2026-12-16")).toISOString()).toBe("2026-12-16T02:00:00.000Z");
    expect(new Date(reminderInstant(r, "2026-12-16")).toISOString()).toBe("2026-12-15T02:00:00.000Z");
  });

  it("month arithmetic clamps to the month's end", () => {
    expect(addMonths("2026-01-31", 1)).toBe("2026-02-28");
    expect(addMonths("2028-01-31", 1)).toBe("2028-02-29");
    expect(addMonths("2026-11-30", 12)).toBe("2027-11-30");
    expect(addDays("2026-12-31", 1)).toBe("2027-01-01");
  });

  it("release instants are always 10:00 local on the expiry day in any zone (property)", () => {
    const zones = [
      "Asia/Shanghai",
      "America/New_York",
      "Europe/London",
      "Australia/Sydney",
      "America/Santiago",
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: Date.parse("2025-01-01"), max: Date.parse("2030-01-01") }),
        (zone, claimedAt) => {
          const r = rule(zone);
          const day = expiryDay(r, claimedAt);
          const at = releaseInstant(r, day);
          expect(localDate(zone, at)).toBe(day);
          const hm = new Intl.DateTimeFormat("en-GB", {
            timeZone: zone,
            hour: "2-digit",
            minute: "2-digit",
            hourCycle: "h23",
          }).format(at);
          expect(hm).toBe("10:00");
          expect(at).toBeGreaterThan(claimedAt);
        },
      ),
      { numRuns: 500 },
    );
  });
});
