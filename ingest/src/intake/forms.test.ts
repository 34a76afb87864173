import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EventId } from "../contracts/index.ts";
import { AdReport, adReportEvents, deterministicV7, normalisePhone } from "./forms.ts";

describe("normalisePhone", () => {
  it("turns mainland numbers into E.164 with CN as the default region", () => {
    expect(normalisePhone("138 0013 8000", "CN")).toEqual({ ok: true, e164: "+8613800138000" });
    expect(normalisePhone("+86 138-0013-8000", "CN")).toEqual({ ok: true, e164: "+8613800138000" });
    expect(normalisePhone("010 6552 9988", "CN")).toEqual({ ok: true, e164: "+861065529988" });
    expect(normalisePhone("+1 202 555 0143", "CN")).toMatchObject({ ok: true, e164: "+12025550143" });
  });
  it("rejects what is not a number of the region with a reason", () => {
    expect(normalisePhone("12345", "CN")).toMatchObject({
      ok: false,
      message: expect.stringMatching(/not a valid/),
    });
    expect(normalisePhone("1380013800", "CN")).toMatchObject({ ok: false });
    expect(normalisePhone("call me", "CN")).toMatchObject({
      ok: false,
      message: expect.stringMatching(/not a phone/),
    });
  });
});

describe("deterministicV7", () => {
  it("is a valid UUIDv7 carrying the given time, and a pure function of its inputs", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 47 }), fc.string(), (ms, key) => {
        const id = deterministicV7(ms, key);
        expect(EventId.safeParse(id).success).toBe(true);
        expect(Number.parseInt(id.replaceAll("-", "").slice(0, 12), 16)).toBe(ms);
        expect(deterministicV7(ms, key)).toBe(id);
      }),
    );
    expect(deterministicV7(1, "a")).not.toBe(deterministicV7(1, "b"));
  });
});

describe("adReportEvents", () => {
  const report = AdReport.parse({
    channel: "baidu",
    rows: [
      {
        ad_campaign_id: "c",
        ad_id: "a",
        slot_start: "2026-03-01T08:00:00.000Z",
        slot_end: "2026-03-01T08:15:00.000Z",
        spend_minor: 100,
        impressions: 10,
        clicks: 1,
      },
    ],
  });
  it("gives the same ids for the same rows and new ids for corrected numbers", () => {
    const a = adReportEvents(report, "acme");
    const b = adReportEvents(report, "acme");
    const rows = report.rows.map((r) => ({ ...r, spend_minor: 200 }));
    const corrected = adReportEvents({ ...report, rows }, "acme");
    if (!a.ok || !b.ok || !corrected.ok) throw new Error("expected valid events");
    expect(a.events[0]?.id).toBe(b.events[0]?.id);
    expect(corrected.events[0]?.id).not.toBe(a.events[0]?.id);
    expect(a.events[0]).toMatchObject({
      kind: "ad.spend_reported",
      org_id: "acme",
      occurred_at: "2026-03-01T08:15:00.000Z",
      spend: { amount_minor: 100, currency: "CNY" },
    });
  });
});
