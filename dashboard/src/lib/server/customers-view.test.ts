import type { Customer } from "@cc/customers";
import { describe, expect, it } from "vitest";
import { translator } from "#lib/i18n.ts";
import { refusalText } from "./customers-actor.ts";
import { expiryBars, gradeBars, mergeDue } from "./customers-view.ts";

const DAY = 86_400_000;
const now = Date.UTC(2026, 10, 30, 4, 0);

function customer(o: Partial<Customer>): Customer {
  return {
    id: "c",
    orgId: "demo",
    name: "n",
    company: "",
    phones: [],
    contacts: [],
    fields: {},
    dealSigned: false,
    createdAt: now,
    createdBy: "u",
    updatedAt: now,
    ...o,
  };
}

describe("customers charts", () => {
  it("buckets holds by days left; signed and pool customers are not holds; extended ones share a bar", () => {
    const rows = [
      customer({ id: "a", ownerId: "r", heldUntil: now + 2 * 3600_000 }),
      customer({ id: "b", ownerId: "r", heldUntil: now + DAY + 3600_000 }),
      customer({ id: "c", ownerId: "r", heldUntil: now + 14.5 * DAY }),
      customer({ id: "d", ownerId: "r", heldUntil: now + 20 * DAY }),
      customer({ id: "e", ownerId: "r", dealSigned: true }),
      customer({ id: "f" }),
    ];
    const bars = expiryBars(rows, now, 15);
    expect(bars.map((b) => b.n)).toEqual([1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1]);
    expect(bars.at(-1)?.key).toBe(">15");
    expect(bars[0]?.warn).toBe(true);
    expect(bars[1]?.warn).toBe(true);
    expect(bars[2]?.warn).toBe(false);
  });

  it("counts grades, ungraded apart", () => {
    const rows = [customer({ grade: "A" }), customer({ grade: "A" }), customer({ grade: "E" }), customer({})];
    expect(gradeBars(rows).map((b) => `${b.key}${b.n}`)).toEqual(["A2", "B0", "C0", "D0", "E1", "—1"]);
  });

  it("merges team due lists, each customer once, oldest overdue first", () => {
    const item = (id: string, on: string) => ({ customerId: id, name: id, company: "", nextContactOn: on });
    const m = mergeDue(
      [
        { today: "2026-11-30", overdue: [item("x", "2026-11-28")], dueToday: [item("y", "2026-11-30")] },
        { today: "2026-11-30", overdue: [item("z", "2026-11-20"), item("x", "2026-11-28")], dueToday: [] },
      ],
      "2026-11-30",
    );
    expect(m.overdue.map((i) => i.customerId)).toEqual(["z", "x"]);
    expect(m.dueToday.map((i) => i.customerId)).toEqual(["y"]);
  });
});

describe("refusal messages", () => {
  it("name the holder, the quota and the director rule in both languages", () => {
    const zh = translator("zh-CN");
    const en = translator("en");
    const names = { a7: "王五" };
    expect(refusalText(zh, { reason: "held_by_other", heldBy: "a7" }, names)).toContain("王五 (a7)");
    expect(refusalText(en, { reason: "held_by_other", heldBy: "a9" }, names)).toBe(
      "Held by a9: cannot claim",
    );
    expect(refusalText(en, { reason: "quota_full", quota: 15, held: 15 })).toContain("(15)");
    expect(refusalText(zh, { reason: "needs_director", days: 7 })).toContain("7");
    expect(refusalText(en, { reason: "required_missing", fields: ["industry", "city"] })).toContain(
      "industry, city",
    );
  });
});
