import { describe, expect, it } from "vitest";
import { subjectFor } from "../subjects.ts";
import { EVENT_KINDS, makeEvent, parseEvent } from "./index.ts";
import { DEFAULT_WIN_PROBABILITY, SALES_STAGES } from "./sales.ts";

const cny = (amount_minor: number) => ({ amount_minor, currency: "CNY" });

describe("sales pipeline contracts", () => {
  it("registers every pipeline, contract, plan, ticket and knowledge kind", () => {
    expect(EVENT_KINDS).toEqual(
      expect.arrayContaining([
        "opportunity.stage_changed",
        "contract.submitted",
        "contract.approved",
        "contract.rejected",
        "order.modified",
        "payment.plan_created",
        "ticket.opened",
        "ticket.resolved",
        "ticket.satisfaction_recorded",
        "knowledge.article_saved",
        "knowledge.article_deleted",
      ]),
    );
  });

  it("keeps the brief's stage order with rising default probabilities", () => {
    const open = SALES_STAGES.filter((s) => s !== "lost");
    expect(open[0]).toBe("needs");
    expect(open.at(-1)).toBe("signed");
    const probs = open.map((s) => DEFAULT_WIN_PROBABILITY[s]);
    expect([...probs].sort((a, b) => a - b)).toEqual(probs);
  });

  it("validates a stage change and refuses a probability above 1", () => {
    const fields = {
      kind: "opportunity.stage_changed" as const,
      org_id: "acme",
      opportunity_id: "opp-1",
      customer_id: "cust-1",
      agent_id: "ag-1",
      stage: "demo" as const,
      win_probability: 0.4,
      expected_amount: cny(100_000),
    };
    expect(makeEvent(fields).kind).toBe("opportunity.stage_changed");
    const bad = parseEvent({ ...makeEvent(fields), win_probability: 1.5 });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.issues[0]?.path).toBe("win_probability");
  });

  it("refuses a contract that ends before it starts", () => {
    const ok = makeEvent({
      kind: "contract.submitted",
      org_id: "acme",
      contract_id: "c-1",
      customer_id: "cust-1",
      agent_id: "ag-1",
      amount: cny(500_000),
      starts_on: "2026-01-01",
      ends_on: "2026-12-31",
      title: "年度服务合同",
    });
    const r = parseEvent({ ...ok, ends_on: "2025-12-31" });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.map((i) => i.path)).toContain("ends_on");
  });

  it("extends orders and payments without breaking old producers", () => {
    const old = makeEvent({
      kind: "order.created",
      org_id: "acme",
      order_id: "o-1",
      lead_id: "l-1",
      total: cny(100),
    });
    expect(old.kind === "order.created" && old.held_by_agent).toBeUndefined();
    const held = makeEvent({
      kind: "order.created",
      org_id: "acme",
      order_id: "o-2",
      lead_id: "l-1",
      customer_id: "cust-1",
      agent_id: "ag-1",
      held_by_agent: false,
      total: cny(100),
    });
    expect(held.kind === "order.created" && held.held_by_agent).toBe(false);
  });

  it("needs at least one installment in a payment plan with real dates", () => {
    const plan = {
      kind: "payment.plan_created" as const,
      org_id: "acme",
      plan_id: "p-1",
      order_id: "o-1",
      customer_id: "cust-1",
      agent_id: "ag-1",
      installments: [{ seq: 1, due_on: "2026-02-30", amount: cny(100) }],
    };
    expect(() => makeEvent(plan)).toThrow();
    expect(() => makeEvent({ ...plan, installments: [] })).toThrow();
    expect(
      makeEvent({ ...plan, installments: [{ seq: 1, due_on: "2026-02-28", amount: cny(100) }] }).kind,
    ).toBe("payment.plan_created");
  });

  it("routes a campaign's knowledge article to its campaign subject", () => {
    const e = makeEvent({
      kind: "knowledge.article_saved",
      org_id: "acme",
      article_id: "kb-1",
      campaign_id: "spring",
      category: "script",
      lang: "zh-CN",
      title: "开场白",
      body: "您好",
      author_id: "mgr",
    });
    expect(subjectFor(e)).toBe("cc.events.acme.knowledge.article_saved.spring");
  });
});
