import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { subjectFor } from "../subjects.ts";
import {
  type CallCenterEventInput,
  decodeEvent,
  EVENT_KINDS,
  EventSchema,
  makeEvent,
  parseEvent,
} from "./index.ts";

const base = { org_id: "acme", campaign_id: "spring", attempt_id: "att-1", lead_id: "lead-1" };

describe("event contracts", () => {
  it("covers every kind the product needs", () => {
    expect(EVENT_KINDS).toEqual(
      expect.arrayContaining([
        "call.attempt_created",
        "call.dialing",
        "call.ringing",
        "call.answered",
        "call.failed",
        "call.bridged",
        "call.abandoned",
        "call.ended",
        "call.disposition",
        "agent.login",
        "agent.logout",
        "agent.state_changed",
        "agent.skills_changed",
        "lead.created",
        "lead.assigned",
        "ad.spend_reported",
        "order.created",
        "payment.received",
        "pacing.decision",
      ]),
    );
  });

  it("fills id (UUIDv7), occurred_at and schema_version, and ids sort by creation", () => {
    const a = makeEvent({ kind: "call.ringing", ...base }, Date.parse("2026-01-01T00:00:00.000Z"));
    const b = makeEvent({ kind: "call.ringing", ...base }, Date.parse("2026-01-01T00:00:01.000Z"));
    expect(a.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a.occurred_at).toBe("2026-01-01T00:00:00.000Z");
    expect(a.schema_version).toBe(1);
    expect(a.id < b.id).toBe(true);
  });

  it("reports field-level issues with paths", () => {
    const e = makeEvent({ kind: "call.answered", ...base, detection: "human", detect_ms: 900, ring_s: 8 });
    const r = parseEvent({ ...e, detection: "robot", org_id: "bad.org", occurred_at: "yesterday" });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => i.path).sort()).toEqual(["detection", "occurred_at", "org_id"]);
  });

  it("rejects unknown kinds, non-JSON bodies and non-v7 ids", () => {
    expect(decodeEvent("{not json").ok).toBe(false);
    const r = parseEvent({ kind: "call.teleported" });
    expect(r.ok).toBe(false);
    const e = makeEvent({ kind: "call.ringing", ...base });
    expect(parseEvent({ ...e, id: "6f1c9a52-1b7e-4c2e-9c1a-2f1e0b9d1a11" }).ok).toBe(false);
  });

  it("requires a pause reason when an agent pauses", () => {
    const fields = {
      kind: "agent.state_changed" as const,
      org_id: "acme",
      agent_id: "ag-7",
      state: "paused" as const,
      previous_state: "ready" as const,
      previous_state_s: 12,
    };
    expect(() => makeEvent(fields)).toThrow(/pause_reason/);
    expect(makeEvent({ ...fields, pause_reason: "lunch" }).kind).toBe("agent.state_changed");
  });

  it("rejects an ad report whose slot ends before it starts", () => {
    const r = parseEvent({
      ...makeEvent({
        kind: "ad.spend_reported",
        org_id: "acme",
        channel: "douyin",
        ad_campaign_id: "ac1",
        ad_id: "ad1",
        slot_start: "2026-01-01T01:00:00.000Z",
        slot_end: "2026-01-01T02:00:00.000Z",
        spend: { amount_minor: 12_000, currency: "CNY" },
        impressions: 1000,
        clicks: 30,
      }),
      slot_end: "2026-01-01T00:00:00.000Z",
    });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues[0]?.path).toBe("slot_end");
  });

  it("routes subjects by org, family, name and campaign", () => {
    expect(subjectFor(makeEvent({ kind: "call.ringing", ...base }))).toBe(
      "cc.events.acme.call.ringing.spring",
    );
    const login = makeEvent({
      kind: "agent.login",
      org_id: "acme",
      agent_id: "a1",
      team_id: "t1",
      skills: [],
    });
    expect(subjectFor(login)).toBe("cc.events.acme.agent.login._");
  });

  it("round-trips any valid call.ended through JSON unchanged (property)", () => {
    const idArb = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
    const secs = fc.double({ min: 0, max: 36_000, noNaN: true });
    fc.assert(
      fc.property(idArb, idArb, secs, secs, secs, secs, (org, camp, ring, talk, hold, wrap) => {
        const input: CallCenterEventInput = {
          id: "0190a0b0-0000-7000-8000-000000000000",
          occurred_at: "2026-01-01T00:00:00.000Z",
          schema_version: 1,
          kind: "call.ended",
          org_id: org,
          campaign_id: camp,
          attempt_id: "a",
          lead_id: "l",
          ring_s: ring,
          talk_s: talk,
          hold_s: hold,
          wrap_s: wrap,
          hangup_by: "customer",
        };
        const once = EventSchema.parse(input);
        const again = decodeEvent(JSON.stringify(once));
        expect(again).toEqual({ ok: true, event: once });
      }),
    );
  });
});
