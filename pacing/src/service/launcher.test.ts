import { makeEvent } from "@cc/ingest";
import { describe, expect, it } from "vitest";
import { takeFacts } from "./launcher.ts";

describe("the facts a take leaves behind", () => {
  it("closing refusals and pool returns become valid events; deferrals and team hand-overs do not", () => {
    const facts = takeFacts("acme", "spring", {
      leads: [],
      skipped: [
        { leadId: "a", reason: "dnc", phone: "+8613800000001" },
        { leadId: "b", reason: "blacklist", phone: "+8613800000002" },
        { leadId: "c", reason: "outside_window", phone: "+8613800000003" },
        { leadId: "d", reason: "max_attempts_day", phone: "+8613800000004" },
        { leadId: "e", reason: "max_attempts", phone: "+8613800000005" },
      ],
      released: [
        { leadId: "f", to: "pool" },
        { leadId: "g", to: "team", teamId: "north" },
      ],
    });
    const events = facts.map((f) => makeEvent(f));
    expect(events.map((e) => [e.kind, "lead_id" in e ? e.lead_id : ""])).toEqual([
      ["pacing.lead_refused", "a"],
      ["pacing.lead_refused", "b"],
      ["pacing.lead_refused", "e"],
      ["lead.assigned", "f"],
    ]);
    expect(events[3]).toMatchObject({ assigned_by: "pool_return", campaign_id: "spring" });
  });
});
