import { describe, expect, it } from "vitest";
import { subjectFor } from "../subjects.ts";
import { EVENT_KINDS, makeEvent, parseEvent } from "./index.ts";

describe("number-list and list-refusal contracts", () => {
  it("are registered", () => {
    expect(EVENT_KINDS).toEqual(
      expect.arrayContaining(["dnc.added", "dnc.removed", "dnc.imported", "pacing.lead_refused"]),
    );
  });

  it("audits a manual change with the user and an E.164 number", () => {
    const e = makeEvent({
      kind: "dnc.added",
      org_id: "acme",
      list: "dnc",
      phone: "+8613800138000",
      by: "li.manager",
    });
    expect(subjectFor(e)).toBe("cc.events.acme.dnc.added._");
    const bad = parseEvent({ ...e, phone: "13800138000" });
    expect(bad.ok).toBe(false);
    expect(parseEvent({ ...e, list: "vip" }).ok).toBe(false);
    expect(parseEvent({ ...e, by: "" }).ok).toBe(false);
  });

  it("records an import's totals and a refused lead's reason", () => {
    const imp = makeEvent({
      kind: "dnc.imported",
      org_id: "acme",
      list: "blacklist",
      import_id: "imp-1",
      by: "li.manager",
      file_name: "registry.csv",
      lines: 10,
      added: 7,
      already_listed: 1,
      rejected: 2,
    });
    expect(imp.kind).toBe("dnc.imported");
    expect(parseEvent({ ...imp, rejected: -1 }).ok).toBe(false);
    const refused = makeEvent({
      kind: "pacing.lead_refused",
      org_id: "acme",
      campaign_id: "spring",
      lead_id: "L1",
      phone: "+8613800138000",
      reason: "blacklist",
    });
    expect(subjectFor(refused)).toBe("cc.events.acme.pacing.lead_refused.spring");
    expect(parseEvent({ ...refused, reason: "outside_window" }).ok).toBe(false);
  });

  it("lets lead.assigned name the team", () => {
    const e = makeEvent({
      kind: "lead.assigned",
      org_id: "acme",
      lead_id: "L1",
      team_id: "north",
      assigned_by: "manager",
    });
    expect(e).toMatchObject({ team_id: "north" });
  });
});
