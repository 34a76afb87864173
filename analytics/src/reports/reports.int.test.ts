import { type ClickHouseHost, startClickHouseHost } from "@cc/infra";
import { type ClickHouseClient, createClient } from "@clickhouse/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../schema/migrate.ts";
import { insertEvents } from "../testing/seed.ts";
import { funnelReport } from "./funnel.ts";
import { refreshFunnelLeads } from "./funnel-leads.ts";
import { expectedFunnel, expectedRoiByChannel, expectedWorkloadByAgentHour } from "./reference.ts";
import { roiReport } from "./roi.ts";
import { refreshRoiLastTouch } from "./roi-last-touch.ts";
import { buildScenario, type Scenario } from "./scenario.ts";
import { workloadReport } from "./workload.ts";

let host: ClickHouseHost;
let writer: ClickHouseClient;
let analyst: ClickHouseClient;
let sc: Scenario;
const DAY = 86_400_000;

beforeAll(async () => {
  host = await startClickHouseHost();
  writer = createClient({ url: host.url, ...host.writer });
  analyst = createClient({ url: host.url, ...host.analyst });
  await migrate(writer);
  sc = buildScenario({ seed: 7, leads: 120 });
  await insertEvents(writer, sc.events);
  // The funnel's default-threshold tests and last-touch ROI's below read the precomputes.
  await refreshFunnelLeads(writer);
  await refreshRoiLastTouch(writer);
});

afterAll(async () => {
  await writer?.close();
  await analyst?.close();
  await host?.stop();
});

const close = (a: number, b: number) => expect(a).toBeCloseTo(b, 6);

describe("funnel report", () => {
  it("matches the reference funnel per campaign, as the read-only analyst", async () => {
    const window = 2 * DAY;
    const x = { from: sc.from, to: sc.to, windowMs: window, talkS: 60 };
    const expected = expectedFunnel(sc.events, x);
    const total = expected.get("total");
    // The scenario must exercise every step, or the comparison proves little.
    expect(total?.every((n) => n > 0)).toBe(true);
    const r = await funnelReport(
      analyst,
      { orgId: sc.orgId },
      {
        from: sc.from,
        to: sc.to,
        windowSeconds: window / 1000,
        talkThresholdS: 60,
        breakdown: "campaign",
      },
    );
    expect(r.groups.length).toBe(expected.size - 1);
    for (const row of r.rows) {
      expect([row.s1, row.s2, row.s3, row.s4, row.s5, row.s6, row.s7, row.s8]).toEqual(expected.get(row.key));
    }
    expect(r.total.steps.map((s) => s.count)).toEqual(total);
    const appt = r.total.steps[5]!;
    expect(appt.step).toBe("appointment");
    close(appt.conversion!, total![5]! / total![0]!);
    expect(appt.dropOff).toBe(total![4]! - total![5]!);
  });

  it("honours the talk threshold and a short window", async () => {
    const window = 3_600_000;
    const expected = expectedFunnel(sc.events, { from: sc.from, to: sc.to, windowMs: window, talkS: 200 });
    const r = await funnelReport(
      analyst,
      { orgId: sc.orgId },
      {
        from: sc.from,
        to: sc.to,
        windowSeconds: window / 1000,
        talkThresholdS: 200,
      },
    );
    expect(r.total.steps.map((s) => s.count)).toEqual(expected.get("total"));
  });

  it("shows an agent-scoped viewer only leads that agent handled", async () => {
    const window = 2 * DAY;
    const expected = expectedFunnel(sc.events, {
      from: sc.from,
      to: sc.to,
      windowMs: window,
      talkS: 60,
      agentIds: ["agent-2"],
    });
    const all = expectedFunnel(sc.events, { from: sc.from, to: sc.to, windowMs: window, talkS: 60 });
    expect(expected.get("total")![0]).toBeLessThan(all.get("total")![0]!);
    const r = await funnelReport(
      analyst,
      { orgId: sc.orgId, agentIds: ["agent-2"] },
      {
        from: sc.from,
        to: sc.to,
        windowSeconds: window / 1000,
      },
    );
    expect(r.total.steps.map((s) => s.count)).toEqual(expected.get("total"));
    // A campaign-scoped viewer with no visible agents sees exactly that campaign's leads.
    const camp = await funnelReport(
      analyst,
      { orgId: sc.orgId, agentIds: [], campaignIds: ["camp-b"] },
      {
        from: sc.from,
        to: sc.to,
        windowSeconds: window / 1000,
      },
    );
    expect(camp.total.steps.map((s) => s.count)).toEqual(all.get("camp-b"));
    const other = await funnelReport(analyst, { orgId: "another-org" }, { from: sc.from, to: sc.to });
    expect(other.rows).toEqual([]);
  });

  it("breaks down by ad source and by day without losing leads", async () => {
    const base = { from: sc.from, to: sc.to, windowSeconds: 2 * 86_400 };
    const none = await funnelReport(analyst, { orgId: sc.orgId }, base);
    for (const breakdown of ["ad_source", "day", "list", "agent"] as const) {
      const r = await funnelReport(analyst, { orgId: sc.orgId }, { ...base, breakdown });
      expect(r.total.steps.map((s) => s.count)).toEqual(none.total.steps.map((s) => s.count));
    }
    const bySource = await funnelReport(analyst, { orgId: sc.orgId }, { ...base, breakdown: "ad_source" });
    expect(bySource.rows.map((r) => r.key).sort()).toEqual(["(none)", "baidu", "douyin", "wechat"]);
  });
});

describe("advertising ROI report", () => {
  for (const model of ["last_touch", "first_touch", "linear"] as const) {
    it(`matches the reference attribution per channel (${model})`, async () => {
      const lookbackDays = 3;
      const expected = expectedRoiByChannel(sc.events, {
        from: sc.from,
        to: sc.to,
        lookbackMs: lookbackDays * DAY,
        model,
      });
      const r = await roiReport(
        analyst,
        { orgId: sc.orgId },
        { from: sc.from, to: sc.to, model, lookbackDays },
      );
      expect(r.rows.map((x) => x.key).sort()).toEqual([...expected.keys()].sort());
      for (const row of r.rows) {
        const e = expected.get(row.key)!;
        close(row.spend_minor, e.spend);
        close(row.leads, e.leads);
        close(row.calls, e.calls);
        close(row.orders, e.orders);
        close(row.order_value_minor, e.orderValue);
        close(row.revenue_minor, e.revenue);
        close(row.roi!, (e.revenue - e.spend) / e.spend);
        if (e.leads > 0) close(row.cost_per_lead_minor!, e.spend / e.leads);
      }
      expect(r.total.orders).toBeGreaterThan(0);
      expect(r.sql.query.includes("report_roi_last_touch")).toBe(model === "last_touch");
    });
  }

  it("attributes nothing to touches older than the look-back window", async () => {
    const r = await roiReport(
      analyst,
      { orgId: sc.orgId },
      { from: sc.from, to: sc.to, lookbackDays: 1 / 86_400 },
    );
    const wide = await roiReport(
      analyst,
      { orgId: sc.orgId },
      { from: sc.from, to: sc.to, lookbackDays: 30 },
    );
    expect(r.total.orders).toBeLessThan(wide.total.orders);
    const e = expectedRoiByChannel(sc.events, {
      from: sc.from,
      to: sc.to,
      lookbackMs: 1000,
      model: "last_touch",
    });
    close(
      r.total.orders,
      [...e.values()].reduce((s, f) => s + f.orders, 0),
    );
  });

  it("fills an hour × weekday heatmap whose cells add up to the totals", async () => {
    const byChannel = await roiReport(analyst, { orgId: sc.orgId }, { from: sc.from, to: sc.to });
    const heat = await roiReport(
      analyst,
      { orgId: sc.orgId },
      { from: sc.from, to: sc.to, groupBy: "heatmap" },
    );
    expect(heat.heatmap.length).toBeGreaterThan(24);
    for (const c of heat.heatmap) {
      expect(c.dayOfWeek).toBeGreaterThanOrEqual(1);
      expect(c.dayOfWeek).toBeLessThanOrEqual(7);
      expect(c.hour).toBeGreaterThanOrEqual(0);
      expect(c.hour).toBeLessThan(24);
    }
    close(heat.total.spend_minor, byChannel.total.spend_minor);
    close(heat.total.revenue_minor, byChannel.total.revenue_minor);
    close(heat.total.leads, byChannel.total.leads);
  });
});

describe("agent workload report", () => {
  it("matches the reference per agent per hour (UTC), states split across hours", async () => {
    const expected = expectedWorkloadByAgentHour(sc.events);
    const r = await workloadReport(
      analyst,
      { orgId: sc.orgId },
      {
        from: sc.from,
        to: sc.to,
        grain: "agent_hour",
        timeZone: "UTC",
      },
    );
    expect(r.rows.length).toBe(expected.size);
    for (const row of r.rows) {
      const key = `${row.key}|${new Date(`${row.bucket.replace(" ", "T")}Z`).toISOString()}`;
      const e = expected.get(key);
      expect(e, key).toBeDefined();
      expect(row.calls).toBe(e!.calls);
      close(row.talk_s, e!.talk);
      expect(row.idle_s).toBeCloseTo(e!.ready, 2);
      expect(row.on_call_s).toBeCloseTo(e!.onCall, 2);
      expect(row.wrap_up_s).toBeCloseTo(e!.wrapUp, 2);
      expect(row.pause_s).toBeCloseTo(e!.paused, 2);
      expect([row.disp_a, row.disp_b, row.disp_c, row.disp_d, row.disp_e, row.disp_f]).toEqual(
        ["A", "B", "C", "D", "E", "F"].map((d) => e!.disp[d] ?? 0),
      );
      expect(row.new_customers).toBe(e!.newCustomers);
      const avail = e!.ready + e!.onCall + e!.wrapUp;
      if (avail > 0) expect(row.occupancy!).toBeCloseTo((e!.onCall + e!.wrapUp) / avail, 4);
    }
  });

  it("per agent per hour of day: the hourly rows folded by local hour, in ClickHouse", async () => {
    const run = (grain: "agent_hour" | "agent_hour_of_day") =>
      workloadReport(
        analyst,
        { orgId: sc.orgId },
        { from: sc.from, to: sc.to, grain, timeZone: "Asia/Kolkata" }, // a half-hour offset
      );
    const [hourly, byHour] = await Promise.all([run("agent_hour"), run("agent_hour_of_day")]);
    // The dashboard's former fold: hour of day of each hourly bucket's local start.
    const folded = new Map<string, { busy: number; avail: number; calls: number }>();
    for (const r of hourly.rows) {
      const k = `${r.key}|${Number(r.bucket.slice(11, 13))}`;
      const a = folded.get(k) ?? { busy: 0, avail: 0, calls: 0 };
      a.busy += r.on_call_s + r.wrap_up_s;
      a.avail += r.logged_in_s - r.pause_s;
      a.calls += r.calls;
      folded.set(k, a);
    }
    expect(byHour.rows.length).toBe(folded.size);
    for (const r of byHour.rows) {
      const a = folded.get(`${r.key}|${Number(r.bucket)}`);
      expect(a, `${r.key} ${r.bucket}`).toBeDefined();
      expect(r.calls).toBe(a!.calls);
      if (a!.avail > 0) expect(r.occupancy!).toBeCloseTo(a!.busy / a!.avail, 6);
      else expect(r.occupancy).toBeNull();
    }
  });

  it("compares teams and limits a team-scoped viewer to its agents", async () => {
    const teams = await workloadReport(
      analyst,
      { orgId: sc.orgId },
      { from: sc.from, to: sc.to, grain: "team_total" },
    );
    expect(teams.rows.map((r) => r.key).sort()).toEqual(["team-east", "team-west"]);
    const agents = await workloadReport(
      analyst,
      { orgId: sc.orgId },
      { from: sc.from, to: sc.to, grain: "agent_total" },
    );
    const east = agents.rows.filter((r) => r.team_id === "team-east");
    expect(east.map((r) => r.key).sort()).toEqual(["agent-1", "agent-2"]);
    const eastTeam = teams.rows.find((r) => r.key === "team-east")!;
    expect(eastTeam.calls).toBe(east.reduce((s, r) => s + r.calls, 0));
    expect(eastTeam.agents).toBe(2);
    const scoped = await workloadReport(
      analyst,
      { orgId: sc.orgId, teamIds: ["team-west"] },
      {
        from: sc.from,
        to: sc.to,
        grain: "agent_total",
      },
    );
    expect(scoped.rows.map((r) => r.key).sort()).toEqual(["agent-3", "agent-4"]);
    const own = await workloadReport(
      analyst,
      { orgId: sc.orgId, agentIds: ["agent-1"] },
      {
        from: sc.from,
        to: sc.to,
        grain: "agent_total",
      },
    );
    expect(own.rows.map((r) => r.key)).toEqual(["agent-1"]);
  });
});
