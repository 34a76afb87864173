import { startClickHouseHost } from "@cc/infra";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createClickHouse } from "../query/client.ts";
import { funnelReport } from "../reports/funnel.ts";
import { roiReport, roiTotal } from "../reports/roi.ts";
import { workloadReport } from "../reports/workload.ts";
import { migrate } from "../schema/migrate.ts";
import { DemoHistoryError, generatedHistoryIn, seedDemoHistory } from "./demo.ts";

const DAY = 86_400_000;
const agentIds = Array.from({ length: 8 }, (_, i) => `sim-agent-${String(i + 1).padStart(2, "0")}`);
const demo = { orgId: "demo", campaignIds: ["demo-campaign"], agentIds, teamIds: ["team-1"] };

describe("demo history", () => {
  it("fills a month the reports read, is flagged, runs once, and never outside the demo org", async () => {
    await using host = await startClickHouseHost();
    const c = createClickHouse({ url: host.url, ...host.writer });
    const count = async (org: string) => {
      const rs = await c.query({
        query: "SELECT count() AS n FROM events WHERE org_id = {org:String}",
        query_params: { org },
        format: "JSONEachRow",
      });
      return z.array(z.object({ n: z.coerce.number() })).parse(await rs.json())[0]!.n;
    };
    try {
      await migrate(c);
      await expect(seedDemoHistory(c, { ...demo, orgId: "acme" })).rejects.toBeInstanceOf(DemoHistoryError);
      expect(await count("acme")).toBe(0);

      const first = await seedDemoHistory(c, demo);
      expect(first.status).toBe("generated");
      if (first.status !== "generated") return;
      console.log(
        `demo history: ${first.summary.events} events in ${first.summary.seconds.toFixed(1)} s (${first.summary.from} … ${first.summary.to})`,
      );
      const events = await count("demo");
      expect(events).toBe(first.summary.events);
      expect(events).toBeGreaterThan(100_000);

      // The reports over the last 30 days, as an admin of the demo org sees them.
      const now = Date.now();
      const range = { from: new Date(now - 30 * DAY).toISOString(), to: new Date(now).toISOString() };
      const scope = { orgId: "demo" };
      const funnel = await funnelReport(c, scope, range);
      const dialed = funnel.total.steps.find((s) => s.step === "dialed")!.count;
      const paid = funnel.total.steps.find((s) => s.step === "paid")!.count;
      expect(dialed).toBeGreaterThan(10_000);
      expect(paid).toBeGreaterThan(0);
      const roi = roiTotal((await roiReport(c, scope, range)).rows);
      expect(roi.spend_minor).toBeGreaterThan(0);
      expect(roi.revenue_minor).toBeGreaterThan(0);
      const workload = await workloadReport(c, scope, { ...range, grain: "agent_day" });
      expect(new Set(workload.rows.map((r) => r.key))).toEqual(new Set(agentIds));
      expect(workload.rows.reduce((s, r) => s + r.calls, 0)).toBeGreaterThan(10_000);
      expect(workload.rows.every((r) => r.team_id === "team-1")).toBe(true);

      // Flag: a range overlapping the generated span says so; one after it or another org does not.
      expect(await generatedHistoryIn(c, "demo", range.from, range.to)).toBe(true);
      const later = { from: new Date(now + DAY).toISOString(), to: new Date(now + 2 * DAY).toISOString() };
      expect(await generatedHistoryIn(c, "demo", later.from, later.to)).toBe(false);
      expect(await generatedHistoryIn(c, "acme", range.from, range.to)).toBe(false);

      // Once only.
      const second = await seedDemoHistory(c, demo);
      expect(second).toMatchObject({
        status: "present",
        from: expect.stringContaining(first.summary.from.slice(0, 10)),
      });
      expect(await count("demo")).toBe(events);
    } finally {
      await c.close();
    }
  });
});
