import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FUNNEL_STEPS, FunnelRow, funnelFigures, funnelSql } from "./funnel.ts";
import { type RoiRow, roiSql, roiTotal } from "./roi.ts";
import { scopeSql, type VisibilityScope } from "./scope.ts";
import { workloadSql } from "./workload.ts";

const range = { from: "2026-03-01T00:00:00.000Z", to: "2026-03-08T00:00:00.000Z" };

describe("funnel figures", () => {
  it("conversion, step conversion and drop-off follow the definitions for any non-increasing counts", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(10_000), { minLength: 8, maxLength: 8 }), (raw) => {
        const counts = [...raw].sort((a, b) => b - a);
        const row = FunnelRow.parse(
          Object.fromEntries([["key", "k"], ...counts.map((c, i) => [`s${i + 1}`, c])]),
        );
        const f = funnelFigures(row);
        expect(f.map((s) => s.step)).toEqual([...FUNNEL_STEPS]);
        f.forEach((s, i) => {
          expect(s.count).toBe(counts[i]);
          const prev = i === 0 ? counts[0]! : counts[i - 1]!;
          expect(s.dropOff).toBe(prev - counts[i]!);
          expect(s.conversion).toBe(counts[0]! > 0 ? counts[i]! / counts[0]! : null);
          expect(s.stepConversion).toBe(prev > 0 ? counts[i]! / prev : null);
        });
      }),
    );
  });
});

describe("report SQL", () => {
  it("binds every viewer and filter value as a parameter, never in the text", () => {
    fc.assert(
      fc.property(
        // Prefixed so no generated id can coincide with a fixed literal of the SQL ('UTC', …).
        fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/).map((x) => `org-${x}`),
        fc.array(
          fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/).map((x) => `id-${x}`),
          { maxLength: 4 },
        ),
        (org, ids) => {
          const scope = { orgId: org, agentIds: ids, teamIds: ids, campaignIds: ids };
          const all = [
            funnelSql(scope, { ...range, breakdown: "ad_source", campaignIds: ids }),
            roiSql(scope, { ...range, groupBy: "heatmap" }),
            workloadSql(scope, { ...range, agentIds: ids, teamIds: ids }),
          ];
          for (const q of all) {
            expect(q.params.scope_org).toBe(org);
            for (const id of [org, ...ids]) expect(q.query.includes(id)).toBe(false);
          }
        },
      ),
    );
  });

  it("rejects ids that are not entity ids and reversed ranges, with the field named", () => {
    expect(() => scopeSql({ orgId: "acme'; DROP TABLE events --" })).toThrow(/orgId/);
    expect(() => funnelSql({ orgId: "acme" }, { from: range.to, to: range.from })).toThrow(
      /to must be after from/,
    );
    expect(() => roiSql({ orgId: "acme" }, { ...range, model: "magic" as never })).toThrow(/model/);
  });

  it("restricts leads only when the scope is restricted", () => {
    // Unrestricted: no visibility filter (the precompute's boundary/stale "lead_hash IN" stays).
    expect(funnelSql({ orgId: "a" }, range).query).not.toMatch(/scope_(agents|teams|campaigns)/);
    expect(funnelSql({ orgId: "a", agentIds: ["x"] }, range).query).toContain("lead_hash IN");
    expect(roiSql({ orgId: "a", campaignIds: [] }, range).query).toContain("lead_hash IN");
    expect(workloadSql({ orgId: "a" }, range).query).not.toContain("scope_agents");
    expect(workloadSql({ orgId: "a", teamIds: ["t"] }, range).query).toContain("scope_teams");
  });
});

describe("funnel precompute", () => {
  it("is read only where it is exact: talk threshold 60 s, unrestricted viewer, entry-based keys", () => {
    const uses = (scope: Parameters<typeof funnelSql>[0], p: Partial<Parameters<typeof funnelSql>[1]>) =>
      funnelSql(scope, { ...range, ...p }).query.includes("report_funnel_leads");
    expect(uses({ orgId: "a" }, {})).toBe(true);
    for (const breakdown of ["campaign", "hour", "day", "week"] as const)
      expect(uses({ orgId: "a" }, { breakdown })).toBe(true);
    for (const breakdown of ["list", "agent", "ad_source"] as const)
      expect(uses({ orgId: "a" }, { breakdown })).toBe(false);
    expect(uses({ orgId: "a" }, { talkThresholdS: 30 })).toBe(false);
    expect(uses({ orgId: "a", agentIds: ["x"] }, {})).toBe(false);
    expect(uses({ orgId: "a", campaignIds: ["c"] }, {})).toBe(false);
  });
});

describe("ROI totals", () => {
  it("sum the parts and recompute ratios from the sums", () => {
    const row = (key: string, spend: number, leads: number, orders: number, revenue: number): RoiRow => ({
      key,
      spend_minor: spend,
      impressions: 0,
      clicks: 0,
      leads,
      calls: 0,
      orders,
      order_value_minor: revenue,
      revenue_minor: revenue,
      roi: null,
      cost_per_lead_minor: null,
      cost_per_order_minor: null,
    });
    const t = roiTotal([row("a", 1000, 4, 1, 3000), row("b", 3000, 0, 0, 0)]);
    expect(t.spend_minor).toBe(4000);
    expect(t.roi).toBeCloseTo((3000 - 4000) / 4000);
    expect(t.cost_per_lead_minor).toBe(1000);
    expect(t.cost_per_order_minor).toBe(4000);
    expect(roiTotal([]).roi).toBeNull();
  });
});

describe("ROI precompute", () => {
  it("is read for last touch only, once refreshed, for any grouping and scope", () => {
    const uses = (
      p: Partial<Parameters<typeof roiSql>[1]>,
      precomputed = true,
      scope: VisibilityScope = { orgId: "a" },
    ) => roiSql(scope, { ...range, ...p }, { precomputed }).query.includes("report_roi_last_touch");
    for (const groupBy of ["channel", "ad_campaign", "ad", "slot", "day", "heatmap"] as const)
      expect(uses({ groupBy })).toBe(true);
    expect(uses({}, true, { orgId: "a", campaignIds: ["c"] })).toBe(true);
    expect(uses({}, false)).toBe(false);
    for (const model of ["first_touch", "linear", "time_decay", "position_based"] as const)
      expect(uses({ model })).toBe(false);
  });
});
