import { createClickHouse, migrate } from "@cc/analytics";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { loadStackConfig } from "./config.ts";
import { seedDemoHistoryOnFirstStart } from "./demo-history.ts";
import { startClickHouseHost } from "./launchers/clickhouse.ts";

describe("npm start's demo history", () => {
  it("is the demo's own campaign and agents, once, only for org demo with the demo on", async () => {
    await using host = await startClickHouseHost();
    const access = { url: host.url, writer: host.writer };
    const c = createClickHouse({ url: host.url, ...host.writer });
    const log = pino({ level: "silent" });
    const byOrg = async () => {
      const rs = await c.query({
        query: `SELECT org_id, count() AS n, groupUniqArray(campaign_id) AS campaigns,
                  arraySort(groupUniqArrayIf(agent_id, agent_id != '')) AS agents
                FROM events GROUP BY org_id ORDER BY org_id`,
        format: "JSONEachRow",
      });
      return z
        .array(
          z.object({
            org_id: z.string(),
            n: z.coerce.number(),
            campaigns: z.array(z.string()),
            agents: z.array(z.string()),
          }),
        )
        .parse(await rs.json());
    };
    try {
      await migrate(c);
      const cfg = (env: Record<string, string>) => loadStackConfig({ DEMO_AGENTS: "2", ...env });
      await seedDemoHistoryOnFirstStart(cfg({ CC_ORG_ID: "acme" }), access, log);
      await seedDemoHistoryOnFirstStart(cfg({ DEMO_HISTORY: "0" }), access, log);
      await seedDemoHistoryOnFirstStart(cfg({ DEMO_CAMPAIGN: "0" }), access, log);
      expect(await byOrg()).toEqual([]);

      await seedDemoHistoryOnFirstStart(cfg({}), access, log);
      const [demo, ...others] = await byOrg();
      expect(others).toEqual([]);
      expect(demo).toMatchObject({ org_id: "demo", agents: ["sim-agent-01", "sim-agent-02"] });
      expect(demo!.campaigns.filter(Boolean)).toEqual(["demo-campaign"]);
      expect(demo!.n).toBeGreaterThan(10_000);

      await seedDemoHistoryOnFirstStart(cfg({}), access, log);
      expect((await byOrg())[0]!.n).toBe(demo!.n);
    } finally {
      await c.close();
    }
  });
});
