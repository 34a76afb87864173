// Forecast, pipeline funnel, payment reminders and churn warnings against the embedded
// ClickHouse host (migrated), with known events inserted as the sink writes them.
import { insertEvents, migrate } from "@cc/analytics";
import { type ClickHouseHost, startClickHouseHost } from "@cc/infra";
import { type CallCenterEvent, type EventFields, makeEvent } from "@cc/ingest";
import { type ClickHouseClient, createClient } from "@clickhouse/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { churnWarnings } from "../churn/churn.ts";
import { listContracts } from "./contracts.ts";
import { pipelineFunnel, pipelineRoi, salesForecast } from "./forecast.ts";
import { managementReport, periodRange } from "./management.ts";
import { installmentsDue } from "./payments.ts";
import { listOrders, listTickets } from "./service.ts";

const ORG = "acme-sales";
let host: ClickHouseHost;
let writer: ClickHouseClient;
const cny = (amount_minor: number) => ({ amount_minor, currency: "CNY" });
const at = (iso: string) => Date.parse(iso);
const events: CallCenterEvent[] = [];
type Without<T> = T extends unknown ? Omit<T, "org_id"> : never;
type NoOrg = Without<EventFields>;
const add = (iso: string, fields: NoOrg) =>
  events.push(makeEvent({ org_id: ORG, ...fields } as EventFields, at(iso)));

function stage(iso: string, opp: string, agent: string, s: string, p: number, amount: number) {
  add(iso, {
    kind: "opportunity.stage_changed",
    opportunity_id: opp,
    customer_id: `c-${opp}`,
    agent_id: agent,
    stage: s as "needs",
    win_probability: p,
    expected_amount: cny(amount),
  });
}

function contract(iso: string, id: string, customer: string, agent: string, ends: string, approved: boolean) {
  add(iso, {
    kind: "contract.submitted",
    contract_id: id,
    customer_id: customer,
    agent_id: agent,
    amount: cny(1_000_000),
    starts_on: "2025-07-01",
    ends_on: ends,
    title: "年度服务合同",
  });
  const decided = new Date(at(iso) + 3_600_000).toISOString();
  add(
    decided,
    approved
      ? {
          kind: "contract.approved",
          contract_id: id,
          customer_id: customer,
          agent_id: agent,
          approver_id: "mgr-1",
        }
      : {
          kind: "contract.rejected",
          contract_id: id,
          customer_id: customer,
          agent_id: agent,
          approver_id: "mgr-1",
          reason: "价格低于底线",
        },
  );
}

const pay = (iso: string, customer: string, amount: number, extra: Record<string, unknown> = {}) =>
  add(iso, {
    kind: "payment.received",
    payment_id: `pay-${events.length}`,
    order_id: `o-${customer}`,
    lead_id: `l-${customer}`,
    customer_id: customer,
    amount: cny(amount),
    method: "bank_transfer",
    ...extra,
  } as NoOrg);

const ticket = (iso: string, customer: string, category: "complaint" | "inquiry") =>
  add(iso, {
    kind: "ticket.opened",
    ticket_id: `t-${events.length}`,
    customer_id: customer,
    category,
    subject: "发票问题",
  });

beforeAll(async () => {
  host = await startClickHouseHost();
  writer = createClient({ url: host.url, ...host.writer });
  await migrate(writer);
  for (const [agent, team] of [
    ["ag-1", "team-a"],
    ["ag-2", "team-a"],
    ["ag-3", "team-b"],
  ] as const) {
    add("2026-01-05T01:00:00.000Z", { kind: "agent.login", agent_id: agent, team_id: team, skills: [] });
  }
  // Forecast and pipeline (as of 2026-06-10).
  stage("2026-06-01T02:00:00.000Z", "opp-1", "ag-1", "needs", 0.05, 100_000);
  stage("2026-06-03T02:00:00.000Z", "opp-1", "ag-1", "demo", 0.4, 200_000);
  stage("2026-06-02T02:00:00.000Z", "opp-2", "ag-1", "negotiation", 0.8, 50_000);
  stage("2026-06-02T03:00:00.000Z", "opp-3", "ag-2", "signed", 1, 300_000);
  stage("2026-06-04T02:00:00.000Z", "opp-4", "ag-3", "proposal", 0.3, 10_000);
  stage("2026-06-20T02:00:00.000Z", "opp-4", "ag-3", "lost", 0, 10_000); // after as_of
  stage("2026-06-05T02:00:00.000Z", "opp-5", "ag-3", "needs", 0.05, 8_000);
  stage("2026-06-06T02:00:00.000Z", "opp-5", "ag-3", "lost", 0, 8_000);
  // Contracts (today = 2026-06-15).
  contract("2025-06-20T02:00:00.000Z", "k-a", "cust-A", "ag-1", "2026-07-01", true);
  contract("2025-06-20T02:00:00.000Z", "k-b1", "cust-B", "ag-2", "2026-07-05", true);
  contract("2026-06-01T02:00:00.000Z", "k-b2", "cust-B", "ag-2", "2027-07-05", true);
  contract("2025-06-20T02:00:00.000Z", "k-c", "cust-C", "ag-3", "2026-06-20", false);
  contract("2025-06-21T02:00:00.000Z", "k-d", "cust-D", "ag-3", "2026-06-25", true);
  // Monthly spend: Feb–Apr baseline, May the last full month.
  for (const m of ["02", "03", "04"]) {
    pay(`2026-${m}-10T02:00:00.000Z`, "cust-A", 200_000);
    pay(`2026-${m}-10T02:00:00.000Z`, "cust-B", 200_000);
    pay(`2026-${m}-10T02:00:00.000Z`, "cust-E", 200_000); // no contract: not an enterprise customer
  }
  pay("2026-05-10T02:00:00.000Z", "cust-A", 50_000);
  pay("2026-05-31T17:00:00.000Z", "cust-B", 200_000); // 01:00 on June 1st in Shanghai: counts for June
  pay("2026-05-12T02:00:00.000Z", "cust-B", 190_000);
  pay("2026-05-10T02:00:00.000Z", "cust-E", 10_000);
  // Complaints (now = 2026-06-15T04:00Z, 30-day windows).
  for (const d of ["2026-05-20", "2026-06-01", "2026-06-10"])
    ticket(`${d}T02:00:00.000Z`, "cust-A", "complaint");
  ticket("2026-05-01T02:00:00.000Z", "cust-A", "complaint");
  for (const d of ["2026-05-20", "2026-06-01", "2026-04-20", "2026-05-01"])
    ticket(`${d}T02:00:00.000Z`, "cust-B", "complaint");
  for (const d of ["2026-06-01", "2026-06-02", "2026-06-03"])
    ticket(`${d}T02:00:00.000Z`, "cust-D", "inquiry");
  add("2026-06-11T02:00:00.000Z", {
    kind: "ticket.satisfaction_recorded",
    ticket_id: "t-x",
    customer_id: "cust-A",
    score: 2,
  });
  // Payment plans (reminders until 2026-06-22).
  add("2026-05-01T02:00:00.000Z", {
    kind: "payment.plan_created",
    plan_id: "plan-1",
    order_id: "o-1",
    customer_id: "cust-A",
    agent_id: "ag-1",
    installments: [
      { seq: 1, due_on: "2026-06-01", amount: cny(150_000) },
      { seq: 2, due_on: "2026-06-20", amount: cny(150_000) },
      { seq: 3, due_on: "2026-09-01", amount: cny(150_000) },
    ],
  });
  add("2026-05-01T02:00:00.000Z", {
    kind: "payment.plan_created",
    plan_id: "plan-2",
    order_id: "o-2",
    customer_id: "cust-D",
    agent_id: "ag-3",
    installments: [{ seq: 1, due_on: "2026-06-10", amount: cny(100_000) }],
  });
  pay("2026-06-01T03:00:00.000Z", "cust-Z", 150_000, { plan_id: "plan-1", installment_seq: 1 });
  pay("2026-06-09T03:00:00.000Z", "cust-Z", 50_000, { plan_id: "plan-2", installment_seq: 1 });
  // Calls and orders for the management reports (week of Mon 2026-06-01, Shanghai).
  const call = (iso: string, agent: string, talk: number) =>
    add(iso, {
      kind: "call.ended",
      attempt_id: `att-${events.length}`,
      campaign_id: "spring",
      lead_id: `l-${events.length}`,
      agent_id: agent,
      ring_s: 5,
      talk_s: talk,
      hold_s: 0,
      wrap_s: 10,
      hangup_by: "customer",
    });
  call("2026-06-02T02:00:00.000Z", "ag-1", 60);
  call("2026-06-02T03:00:00.000Z", "ag-1", 120);
  call("2026-06-04T02:00:00.000Z", "ag-3", 30);
  const order = (iso: string, agent: string, total: number, held: boolean) =>
    add(iso, {
      kind: "order.created",
      order_id: `ord-${events.length}`,
      lead_id: `l-${events.length}`,
      customer_id: `cust-${events.length}`,
      agent_id: agent,
      held_by_agent: held,
      total: cny(total),
    });
  order("2026-06-03T02:00:00.000Z", "ag-1", 10_000, true);
  order("2026-06-03T03:00:00.000Z", "ag-1", 5_000, false);
  order("2026-06-04T03:00:00.000Z", "ag-3", 2_000, true);
  // Ad touches, spend and pipeline for the ROI by channel (August 2026).
  for (const [lead, channel] of [
    ["l-ads1", "douyin"],
    ["l-ads2", "baidu"],
  ] as const) {
    add("2026-08-01T01:00:00.000Z", {
      kind: "lead.created",
      lead_id: lead,
      source: "ad",
      channel,
      ad_campaign_id: `ad-${channel}`,
      phone: "+8613800138000",
      consent: { given: true, method: "web_form" },
    });
    add("2026-08-01T00:00:00.000Z", {
      kind: "ad.spend_reported",
      channel,
      ad_campaign_id: `ad-${channel}`,
      ad_id: "ad-1",
      slot_start: "2026-08-01T00:00:00.000Z",
      slot_end: "2026-08-01T01:00:00.000Z",
      spend: cny(channel === "douyin" ? 100_000 : 50_000),
      impressions: 1000,
      clicks: 10,
    });
  }
  const adStage = (iso: string, opp: string, lead: string, s: "needs" | "signed", amount: number) =>
    add(iso, {
      kind: "opportunity.stage_changed",
      opportunity_id: opp,
      customer_id: `c-${lead}`,
      lead_id: lead,
      agent_id: "ag-1",
      stage: s,
      win_probability: s === "signed" ? 1 : 0.05,
      expected_amount: cny(amount),
    });
  adStage("2026-08-03T02:00:00.000Z", "opp-x1", "l-ads1", "needs", 200_000);
  adStage("2026-08-10T02:00:00.000Z", "opp-x1", "l-ads1", "signed", 300_000);
  adStage("2026-08-05T02:00:00.000Z", "opp-x2", "l-ads2", "needs", 1_000);
  adStage("2026-08-06T02:00:00.000Z", "opp-x3", "l-org", "signed", 5_000);
  const adOrder = (
    iso: string,
    kind: "order.created" | "order.modified",
    id: string,
    lead: string,
    total: number,
  ) => add(iso, { kind, order_id: id, lead_id: lead, agent_id: "ag-1", total: cny(total) } as NoOrg);
  adOrder("2026-08-11T02:00:00.000Z", "order.created", "o-x1", "l-ads1", 20_000);
  adOrder("2026-08-12T02:00:00.000Z", "order.modified", "o-x1", "l-ads1", 25_000);
  adOrder("2026-08-12T02:00:00.000Z", "order.created", "o-x2", "l-ads2", 10_000);
  add("2026-08-13T02:00:00.000Z", {
    kind: "order.cancelled",
    order_id: "o-x2",
    lead_id: "l-ads2",
    reason: "客户反悔",
  });
  adOrder("2026-08-31T02:00:00.000Z", "order.created", "o-x3", "l-ads1", 7_000); // touch 30 days old: no channel
  await insertEvents(writer, events);
});

afterAll(async () => {
  await writer?.close();
  await host?.stop();
});

const everyone = { orgId: ORG };
const churnAt = { today: "2026-06-15", now: "2026-06-15T04:00:00.000Z" };

describe("sales forecast", () => {
  it("sums expected amount × win probability of open opportunities per rep and team", async () => {
    const f = await salesForecast(writer, everyone, { asOf: "2026-06-10T00:00:00.000Z" });
    const rep = (a: string) => f.rows.find((r) => r.agent_id === a);
    expect(rep("ag-1")).toMatchObject({ team_id: "team-a", open_opportunities: 2, pipeline_minor: 250_000 });
    expect(rep("ag-1")?.forecast_minor).toBe(200_000 * 0.4 + 50_000 * 0.8);
    expect(rep("ag-2")).toMatchObject({ open_opportunities: 0, forecast_minor: 0, won_minor: 300_000 });
    expect(rep("ag-3")).toMatchObject({ team_id: "team-b", open_opportunities: 1, forecast_minor: 3_000 });
    const teamA = f.teams.find((t) => t.team_id === "team-a");
    expect(teamA?.total.forecast_minor).toBe(120_000);
    expect(teamA?.total.won_minor).toBe(300_000);
  });

  it("drops an opportunity lost before the as-of time and shows a manager only their team", async () => {
    const later = await salesForecast(
      writer,
      { orgId: ORG, agentIds: [], teamIds: ["team-b"] },
      {
        asOf: "2026-06-30T00:00:00.000Z",
      },
    );
    expect(later.rows.map((r) => r.agent_id)).toEqual(["ag-3"]);
    expect(later.rows[0]).toMatchObject({ open_opportunities: 0, forecast_minor: 0 });
  });
});

describe("pipeline funnel", () => {
  it("counts opportunities reaching each stage in order", async () => {
    const p = await pipelineFunnel(writer, everyone, {
      from: "2026-06-01T00:00:00.000Z",
      to: "2026-07-01T00:00:00.000Z",
    });
    const all = p.groups[0];
    expect(all?.key).toBe("all");
    const reached = Object.fromEntries(all?.stages.map((s) => [s.stage, s.reached]) ?? []);
    // opp-1 demo (5), opp-2 negotiation (8), opp-3 signed (9), opp-4 proposal (4), opp-5 needs (1).
    expect(reached).toEqual({
      needs: 5,
      invitation: 4,
      visit: 4,
      proposal: 4,
      demo: 3,
      solution: 2,
      evaluation: 2,
      negotiation: 2,
      signed: 1,
    });
    expect(all?.lost).toBe(2);
  });
});

describe("contract approval queue", () => {
  it("shows each contract's latest decision and the rep's team", async () => {
    const all = await listContracts(writer, everyone);
    const status = Object.fromEntries(all.rows.map((r) => [r.contract_id, [r.status, r.team_id]]));
    expect(status).toMatchObject({ "k-a": ["approved", "team-a"], "k-c": ["rejected", "team-b"] });
    await insertEvents(writer, [
      makeEvent(
        {
          kind: "contract.submitted",
          org_id: ORG,
          contract_id: "k-new",
          customer_id: "cust-N",
          agent_id: "ag-3",
          amount: cny(9_000),
          starts_on: "2026-07-01",
          ends_on: "2027-06-30",
          title: "续约",
        },
        at("2026-06-14T02:00:00.000Z"),
      ),
    ]);
    const queueB = await listContracts(
      writer,
      { orgId: ORG, agentIds: [], teamIds: ["team-b"] },
      "submitted",
    );
    expect(queueB.rows.map((r) => r.contract_id)).toEqual(["k-new"]);
    const queueA = await listContracts(
      writer,
      { orgId: ORG, agentIds: [], teamIds: ["team-a"] },
      "submitted",
    );
    expect(queueA.rows).toEqual([]);
  });
});

describe("payment plan reminders", () => {
  it("lists unpaid installments due by the date, overdue ones flagged", async () => {
    const due = await installmentsDue(writer, everyone, { today: "2026-06-15", until: "2026-06-22" });
    expect(due.rows.map((r) => [r.plan_id, r.seq, r.overdue, r.paid_minor])).toEqual([
      ["plan-2", 1, true, 50_000],
      ["plan-1", 2, false, 0],
    ]);
    const own = await installmentsDue(
      writer,
      { orgId: ORG, agentIds: ["ag-1"] },
      {
        today: "2026-06-15",
        until: "2026-06-22",
      },
    );
    expect(own.rows.map((r) => r.plan_id)).toEqual(["plan-1"]);
  });
});

describe("churn warnings", () => {
  it("finds expiring contracts without renewal, falling spend and rising complaints", async () => {
    const w = await churnWarnings(writer, everyone, churnAt);
    // Soonest first; cust-B renewed (k-b2 runs to 2027), k-c was rejected.
    expect(
      w.contract_expiring.rows.map((r) => [r.customer_id, r.contract_id, r.days_left, r.agent_id]),
    ).toEqual([
      ["cust-D", "k-d", 10, "ag-3"],
      ["cust-A", "k-a", 16, "ag-1"],
    ]);
    expect(w.spend_falling.rows).toEqual([
      {
        customer_id: "cust-A",
        agent_id: "ag-1",
        month: "2026-05-01",
        last_month_minor: 50_000,
        baseline_avg_minor: 200_000,
        drop_ratio: 0.75,
      },
    ]);
    expect(w.complaints_rising.rows).toEqual([
      {
        customer_id: "cust-A",
        agent_id: "ag-1",
        recent_complaints: 3,
        previous_complaints: 1,
        satisfaction: 2,
      },
    ]);
    expect(w.contract_expiring.sql.query).toContain("FROM sales_facts");
    expect(w.contract_expiring.sql.params).toMatchObject({ days: 30, today: "2026-06-15" });
  });

  it("shows an agent their own customers and a manager their team's", async () => {
    const own = await churnWarnings(writer, { orgId: ORG, agentIds: ["ag-1"] }, churnAt);
    expect(own.contract_expiring.rows.map((r) => r.customer_id)).toEqual(["cust-A"]);
    const teamB = await churnWarnings(writer, { orgId: ORG, agentIds: [], teamIds: ["team-b"] }, churnAt);
    expect(teamB.contract_expiring.rows.map((r) => r.customer_id)).toEqual(["cust-D"]);
    expect(teamB.spend_falling.rows).toEqual([]);
    expect(teamB.complaints_rising.rows).toEqual([]);
  });

  it("honours a shorter expiry window", async () => {
    const w = await churnWarnings(writer, everyone, { ...churnAt, expiringWithinDays: 12 });
    expect(w.contract_expiring.rows.map((r) => r.customer_id)).toEqual(["cust-D"]);
  });
});

describe("reports per management level", () => {
  it("computes daily, weekly and monthly ranges on calendar days", () => {
    expect(periodRange("daily", "2026-06-03")).toEqual({ from: "2026-06-03", to: "2026-06-04" });
    expect(periodRange("weekly", "2026-06-07")).toEqual({ from: "2026-06-01", to: "2026-06-08" });
    expect(periodRange("monthly", "2026-02-14")).toEqual({ from: "2026-02-01", to: "2026-03-01" });
  });

  it("gives a director the week per team, with unheld orders counted apart", async () => {
    const r = await managementReport(writer, everyone, {
      level: "director",
      period: "weekly",
      day: "2026-06-03",
    });
    const team = (k: string) => r.rows.find((x) => x.key === k);
    expect(team("team-a")).toMatchObject({
      calls: 2,
      talk_s: 180,
      orders: 2,
      order_value_minor: 15_000,
      unheld_orders: 1,
      stage_moves: 4,
      won_minor: 300_000,
      contracts_approved: 1,
    });
    expect(team("team-b")).toMatchObject({ calls: 1, orders: 1, order_value_minor: 2_000, stage_moves: 3 });
    expect(r.total).toMatchObject({ calls: 3, orders: 3 });
    expect(r.daily.map((d) => d.key)).toEqual([
      "2026-06-01",
      "2026-06-02",
      "2026-06-03",
      "2026-06-04",
      "2026-06-05",
      "2026-06-06",
    ]);
  });

  it("gives an agent their own days and a manager only their team's reps", async () => {
    const mine = await managementReport(
      writer,
      { orgId: ORG, agentIds: ["ag-1"] },
      {
        level: "agent",
        period: "weekly",
        day: "2026-06-03",
      },
    );
    expect(mine.rows.map((x) => [x.key, x.calls, x.orders])).toEqual([
      ["2026-06-01", 0, 0],
      ["2026-06-02", 2, 0],
      ["2026-06-03", 0, 2],
    ]);
    const day = await managementReport(
      writer,
      { orgId: ORG, agentIds: ["ag-1"] },
      {
        level: "agent",
        period: "daily",
        day: "2026-06-02",
      },
    );
    expect(day.total).toMatchObject({ calls: 2, talk_s: 180, orders: 0 });
    const teamB = await managementReport(
      writer,
      { orgId: ORG, agentIds: [], teamIds: ["team-b"] },
      {
        level: "manager",
        period: "monthly",
        day: "2026-06-20",
      },
    );
    expect(teamB.rows.map((x) => x.key)).toEqual(["ag-3"]);
  });
});

describe("pipeline and orders in the advertising ROI", () => {
  it("credits opportunities, signed value and net orders to the lead's last ad touch", async () => {
    const r = await pipelineRoi(writer, everyone, {
      from: "2026-08-01T00:00:00.000Z",
      to: "2026-09-01T00:00:00.000Z",
    });
    const row = (k: string) => r.rows.find((x) => x.key === k);
    expect(row("douyin")).toEqual({
      key: "douyin",
      opportunities: 1,
      signed: 1,
      signed_minor: 300_000,
      orders: 1,
      cancelled: 0,
      order_value_minor: 25_000,
      spend_minor: 100_000,
      signed_roi: 2,
    });
    expect(row("baidu")).toMatchObject({
      opportunities: 1,
      signed: 0,
      orders: 1,
      cancelled: 1,
      order_value_minor: 0,
      signed_roi: -1,
    });
    expect(row("(none)")).toMatchObject({
      opportunities: 1,
      signed_minor: 5_000,
      orders: 1,
      order_value_minor: 7_000,
      signed_roi: null,
    });
    const other = await pipelineRoi(
      writer,
      { orgId: ORG, agentIds: ["ag-3"] },
      {
        from: "2026-08-01T00:00:00.000Z",
        to: "2026-09-01T00:00:00.000Z",
      },
    );
    expect(other.rows.every((x) => x.opportunities === 0 && x.orders === 0)).toBe(true);
  });
});

describe("tickets and orders as they stand", () => {
  it("follows a ticket from open to resolved to closed with its score", async () => {
    await insertEvents(writer, [
      makeEvent(
        {
          kind: "ticket.opened",
          org_id: ORG,
          ticket_id: "tk-1",
          customer_id: "cust-A",
          agent_id: "ag-1",
          category: "repair",
          subject: "坏了",
        },
        at("2026-07-01T02:00:00.000Z"),
      ),
      makeEvent(
        {
          kind: "ticket.opened",
          org_id: ORG,
          ticket_id: "tk-2",
          customer_id: "cust-A",
          agent_id: "ag-1",
          category: "inquiry",
          subject: "问价",
        },
        at("2026-07-01T03:00:00.000Z"),
      ),
      makeEvent(
        { kind: "ticket.resolved", org_id: ORG, ticket_id: "tk-2", customer_id: "cust-A", agent_id: "ag-1" },
        at("2026-07-02T03:00:00.000Z"),
      ),
      makeEvent(
        {
          kind: "ticket.opened",
          org_id: ORG,
          ticket_id: "tk-3",
          customer_id: "cust-D",
          agent_id: "ag-3",
          category: "complaint",
          subject: "慢",
        },
        at("2026-07-01T04:00:00.000Z"),
      ),
      makeEvent(
        { kind: "ticket.resolved", org_id: ORG, ticket_id: "tk-3", customer_id: "cust-D", agent_id: "ag-3" },
        at("2026-07-02T04:00:00.000Z"),
      ),
      makeEvent(
        {
          kind: "ticket.satisfaction_recorded",
          org_id: ORG,
          ticket_id: "tk-3",
          customer_id: "cust-D",
          agent_id: "ag-3",
          score: 4,
        },
        at("2026-07-03T04:00:00.000Z"),
      ),
    ]);
    const all = await listTickets(writer, everyone);
    const st = Object.fromEntries(
      all.rows.filter((r) => r.ticket_id.startsWith("tk-")).map((r) => [r.ticket_id, [r.status, r.score]]),
    );
    expect(st).toEqual({ "tk-1": ["open", 0], "tk-2": ["resolved", 0], "tk-3": ["closed", 4] });
    const waiting = await listTickets(writer, { orgId: ORG, agentIds: ["ag-1"] }, "resolved");
    expect(waiting.rows.map((r) => r.ticket_id)).toEqual(["tk-2"]);
  });

  it("shows an order's latest total, cancellation and held flag", async () => {
    const r = await listOrders(writer, { orgId: ORG, agentIds: ["ag-1"] });
    const byId = Object.fromEntries(r.rows.map((o) => [o.order_id, o]));
    expect(byId["o-x1"]).toMatchObject({
      total_minor: 25_000,
      modifications: 1,
      cancelled: false,
      held_by_agent: -1,
    });
    expect(byId["o-x2"]).toMatchObject({ cancelled: true });
    expect(Object.values(byId).filter((o) => o.held_by_agent === 0).length).toBe(1);
    expect(r.rows.every((o) => o.agent_id === "ag-1")).toBe(true);
  });
});
