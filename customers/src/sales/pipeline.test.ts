import { describe, expect, it } from "vitest";
import type { Actor } from "../records/types.ts";
import {
  changeStage,
  decideContract,
  monthlyInstallments,
  type PendingContract,
  placeOrder,
  planPayments,
  recordSatisfaction,
  SalesRuleError,
  submitContract,
} from "./pipeline.ts";

const rep: Actor = { userId: "u-1", agentId: "ag-1", role: "agent", teamIds: ["team-a"], orgId: "acme" };
const manager: Actor = { userId: "m.one", role: "manager", teamIds: ["team-a"], orgId: "acme" };
const director: Actor = { userId: "d-1", role: "director", teamIds: [], orgId: "acme" };
const pending: PendingContract = {
  contract_id: "k-1",
  customer_id: "c-1",
  agent_id: "ag-1",
  team_id: "team-a",
  status: "submitted",
};
const code = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return err instanceof SalesRuleError ? err.code : `other: ${(err as Error).message}`;
  }
  return "no error";
};

describe("stage changes", () => {
  it("defaults the win probability to the stage's and fixes signed at 1", () => {
    const e = changeStage(rep, {
      opportunity_id: "o-1",
      customer_id: "c-1",
      stage: "demo",
      expected_amount_minor: 5,
    });
    expect(e).toMatchObject({ agent_id: "ag-1", stage: "demo", win_probability: 0.4 });
    const s = changeStage(rep, {
      opportunity_id: "o-1",
      customer_id: "c-1",
      stage: "signed",
      win_probability: 0.2,
      expected_amount_minor: 5,
    });
    expect(s).toMatchObject({ win_probability: 1 });
  });

  it("refuses moving a closed opportunity or another rep's", () => {
    const base = {
      opportunity_id: "o-1",
      customer_id: "c-1",
      stage: "demo" as const,
      expected_amount_minor: 5,
    };
    expect(code(() => changeStage(rep, { ...base, previous_stage: "lost" }))).toBe("CLOSED");
    expect(code(() => changeStage(rep, { ...base, agent_id: "ag-2" }))).toBe("NOT_YOURS");
    expect(changeStage(manager, { ...base, agent_id: "ag-2" })).toMatchObject({ agent_id: "ag-2" });
  });
});

describe("contract approval", () => {
  it("lets a manager of the rep's team approve once, and a director anywhere", () => {
    expect(decideContract(manager, pending, { decision: "approve" })).toMatchObject({
      kind: "contract.approved",
      approver_id: "m.one", // a dashboard user name, dots allowed
      agent_id: "ag-1",
    });
    expect(
      code(() => decideContract(manager, { ...pending, status: "approved" }, { decision: "approve" })),
    ).toBe("ALREADY_DECIDED");
    expect(
      code(() => decideContract(manager, { ...pending, team_id: "team-b" }, { decision: "approve" })),
    ).toBe("NOT_YOUR_TEAM");
    expect(
      decideContract(director, { ...pending, team_id: "team-b" }, { decision: "reject", reason: "价格" }),
    ).toMatchObject({ kind: "contract.rejected", reason: "价格" });
  });

  it("refuses an agent approving and anyone approving their own contract", () => {
    expect(code(() => decideContract(rep, pending, { decision: "approve" }))).toBe("NOT_APPROVER");
    const selling: Actor = { ...manager, agentId: "ag-1" };
    expect(code(() => decideContract(selling, pending, { decision: "approve" }))).toBe("SELF_APPROVAL");
    expect(() => decideContract(manager, pending, { decision: "reject", reason: " " })).toThrow();
  });

  it("refuses a contract ending before it starts", () => {
    const c = { contract_id: "k", customer_id: "c", amount_minor: 1, starts_on: "2026-02-01", title: "t" };
    expect(code(() => submitContract(rep, { ...c, ends_on: "2026-01-31" }))).toBe("BAD_DATES");
    expect(submitContract(rep, { ...c, ends_on: "2026-02-01" })).toMatchObject({ agent_id: "ag-1" });
  });
});

describe("orders", () => {
  const order = {
    order_id: "ord-1",
    customer_id: "c-1",
    lead_id: "l-1",
    items: [
      { sku: "A", quantity: 2, unit_price_minor: 1500 },
      { sku: "B", quantity: 1, unit_price_minor: 700 },
    ],
  };

  it("totals the items and records whether the rep held the customer at order time", async () => {
    const asked: [string, number][] = [];
    const holderAt = async (c: string, ts: number) => {
      asked.push([c, ts]);
      return c === "c-1" ? "ag-1" : null;
    };
    const held = await placeOrder(rep, order, holderAt, 1_000);
    expect(held).toMatchObject({ held_by_agent: true, total: { amount_minor: 3700, currency: "CNY" } });
    expect(asked).toEqual([["c-1", 1_000]]);
    expect(await placeOrder(rep, { ...order, customer_id: "c-2" }, holderAt)).toMatchObject({
      held_by_agent: false,
    });
  });

  it("leaves the flag out when no ownership lookup is wired", async () => {
    const e = await placeOrder(rep, order);
    expect("held_by_agent" in e).toBe(false);
  });
});

describe("payment plans and satisfaction", () => {
  it("splits monthly, clamping to month ends, and adds up to the total", () => {
    const plan = monthlyInstallments(1000, 3, "2026-01-31");
    expect(plan).toEqual([
      { due_on: "2026-01-31", amount_minor: 333 },
      { due_on: "2026-02-28", amount_minor: 333 },
      { due_on: "2026-03-31", amount_minor: 334 },
    ]);
    const base = { plan_id: "p", order_id: "o", customer_id: "c", order_total_minor: 1000 };
    expect(planPayments(rep, { ...base, installments: plan })).toMatchObject({
      kind: "payment.plan_created",
    });
    expect(code(() => planPayments(rep, { ...base, order_total_minor: 999, installments: plan }))).toBe(
      "PLAN_TOTAL",
    );
    expect(code(() => planPayments(rep, { ...base, installments: [...plan].reverse() }))).toBe("PLAN_DATES");
  });

  it("asks satisfaction only after the ticket is resolved", () => {
    const t = { ticket_id: "t-1", customer_id: "c-1" };
    expect(code(() => recordSatisfaction(rep, { ...t, resolved: false }, { score: 4 }))).toBe("NOT_RESOLVED");
    expect(recordSatisfaction(rep, { ...t, resolved: true }, { score: 4 })).toMatchObject({ score: 4 });
    expect(() => recordSatisfaction(rep, { ...t, resolved: true }, { score: 6 })).toThrow();
  });
});
