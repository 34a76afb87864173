import { describe, expect, it } from "vitest";
import { subjectFor } from "../subjects.ts";
import { EVENT_KINDS, makeEvent, parseEvent } from "./index.ts";

const claimed = {
  kind: "customer.claimed" as const,
  org_id: "acme",
  customer_id: "c-1",
  agent_id: "a-7",
  group_id: "team-1",
  held_until: "2026-12-15T02:00:00.000Z",
  via: "claim" as const,
  by: "u-7",
};

describe("customer.* contracts", () => {
  it("registers every ownership, grading and follow-up kind on the customer family subject", () => {
    for (const k of [
      "customer.created",
      "customer.updated",
      "customer.claimed",
      "customer.released",
      "customer.hold_expiring",
      "customer.extension_requested",
      "customer.extension_decided",
      "customer.reassigned",
      "customer.second_owner_set",
      "customer.deal_signed",
      "customer.graded",
      "customer.follow_up_recorded",
      "customer.order_attributed",
    ]) {
      expect(EVENT_KINDS).toContain(k);
    }
    expect(subjectFor(makeEvent(claimed))).toBe("cc.events.acme.customer.claimed._");
  });

  it("refuses a grade outside A–E, a bad next-contact day and a non-E.164 phone", () => {
    const fu = makeEvent({
      kind: "customer.follow_up_recorded",
      org_id: "acme",
      customer_id: "c-1",
      follow_up_id: "f-1",
      agent_id: "a-7",
      channel: "call",
      grade: "B",
      next_contact_on: "2026-12-07",
    });
    const r = parseEvent({ ...fu, grade: "F", next_contact_on: "7 Dec" });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.map((i) => i.path).sort()).toEqual(["grade", "next_contact_on"]);
    const created = {
      kind: "customer.created",
      org_id: "acme",
      customer_id: "c-2",
      name: "张伟",
      created_by: "u-1",
    };
    expect(parseEvent({ ...makeEvent(created as never), phones: ["13800138000"] }).ok).toBe(false);
    expect(parseEvent({ ...makeEvent(created as never), phones: ["+8613800138000"] }).ok).toBe(true);
  });

  it("says who may decide an extension", () => {
    const e = makeEvent({
      kind: "customer.extension_requested",
      org_id: "acme",
      customer_id: "c-1",
      request_id: "r-1",
      agent_id: "a-7",
      days: 7,
      month: "2026-11",
      needs: "director",
    });
    expect(parseEvent({ ...e, needs: "supervisor" }).ok).toBe(false);
    expect(parseEvent({ ...e, month: "2026-13-01" }).ok).toBe(false);
  });
});
