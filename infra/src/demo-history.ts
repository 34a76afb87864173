// npm start's first run with the demo on: a month of generated history in ClickHouse, so the
// funnel, ROI and workload reports show something before the demo has run for a month
// (analytics/src/history). Once per data set (the generated_history row), only in the demo org.
import { createClickHouse, DEMO_ORG_ID, seedDemoHistory } from "@cc/analytics";
import type { Logger } from "pino";
import type { StackConfig } from "./config.ts";
import { demoAgents } from "./services.ts";
import { DEMO_CAMPAIGN_ID } from "./telephony.ts";

export interface ClickHouseAccess {
  url: string;
  writer: { username: string; password: string };
}

/**
 * Runs in the background while the stack comes up; a failure is logged, never fatal (the live
 * demo works without history, and a start whose generation was cut short generates again).
 */
export async function seedDemoHistoryOnFirstStart(
  cfg: StackConfig,
  clickhouse: ClickHouseAccess,
  log: Logger,
): Promise<void> {
  if (!cfg.DEMO_CAMPAIGN || !cfg.DEMO_HISTORY) return;
  if (cfg.CC_ORG_ID !== DEMO_ORG_ID) {
    log.info(
      { org: cfg.CC_ORG_ID },
      `no generated demo history: it is only made for the org "${DEMO_ORG_ID}"`,
    );
    return;
  }
  const ch = createClickHouse({ url: clickhouse.url, ...clickhouse.writer, requestTimeoutMs: 300_000 });
  try {
    const r = await seedDemoHistory(ch, {
      orgId: cfg.CC_ORG_ID,
      campaignIds: [DEMO_CAMPAIGN_ID],
      agentIds: demoAgents(cfg.DEMO_AGENTS).map((a) => a.agent_id),
    });
    if (r.status === "generated") {
      const s = r.summary;
      log.info(
        { events: s.events, from: s.from, to: s.to, seconds: Math.round(s.seconds) },
        "generated 30 days of demo history (reports say so when they include it)",
      );
    }
  } catch (err) {
    log.warn({ err }, "demo history was not generated (tried again at the next start)");
  } finally {
    await ch.close();
  }
}
