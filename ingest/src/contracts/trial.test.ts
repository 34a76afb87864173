import { describe, expect, it } from "vitest";
import { subjectFor } from "../subjects.ts";
import { EVENT_KINDS, makeEvent, parseEvent } from "./index.ts";

const fields = {
  kind: "list.trial_dialed" as const,
  org_id: "acme",
  trial_id: "tr-1",
  campaign_id: "spring",
  list_size: 5000,
  sampled: 100,
  outcomes: { answered: 60, busy: 5, no_answer: 10, invalid: 20, unreachable: 5 },
  invalid_share: 0.2,
  quality_score: 77.5,
};

describe("list.trial_dialed", () => {
  it("is a registered kind on the campaign's subject", () => {
    expect(EVENT_KINDS).toContain("list.trial_dialed");
    expect(subjectFor(makeEvent(fields))).toBe("cc.events.acme.list.trial_dialed.spring");
  });

  it("refuses unknown outcomes, shares above 1 and scores above 100", () => {
    const e = makeEvent(fields);
    const r = parseEvent({ ...e, outcomes: { teleported: 1 }, invalid_share: 1.5, quality_score: 101 });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => i.path).sort()).toEqual(["invalid_share", "outcomes", "quality_score"]);
    expect(parseEvent({ ...e, invalid_share: null, quality_score: null }).ok).toBe(true);
  });
});
