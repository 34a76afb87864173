// Synthetic history: campaigns, agents, leads with ad sources, attempts with answer /
// machine / abandon mixes, talk times, dispositions, orders, payments, ad spend — generated
// inside ClickHouse by INSERT … SELECT over numbers(), deterministic for a seed.
import { availableParallelism } from "node:os";
import type { ClickHouseClient, ClickHouseSettings } from "@clickhouse/client";
import { z } from "zod";
import { refreshFunnelLeads } from "../reports/funnel-leads.ts";
import { refreshRoiLastTouch } from "../reports/roi-last-touch.ts";
import { AGENT_STATES_SQL, ATTEMPTS_SQL, LEADS_SQL, SPEND_SQL } from "./sql.ts";

const Id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
const numbered = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

export const HistoryOptions = z.object({
  orgId: Id.default("bench-org"),
  seed: z.number().int().nonnegative().default(1),
  /** Call attempts to generate (≈ 3.5 events each, plus leads, agent states and spend). */
  attempts: z.number().int().positive(),
  /** Distinct leads; each gets ~attempts/leads attempts spread over the span. */
  leads: z.number().int().positive(),
  days: z.number().int().positive().max(366).default(30),
  /** First day 00:00 UTC (= 08:00 CST), default: `days` days before today. */
  startMs: z.number().int().optional(),
  agents: z.number().int().positive().default(200),
  teams: z.number().int().positive().default(10),
  campaigns: z.number().int().positive().default(20),
  lists: z.number().int().positive().default(50),
  /** Explicit ids (e.g. the demo's own campaign and agents) instead of camp-N / agent-N / team-N. */
  campaignIds: z.array(Id).min(1).max(1000).optional(),
  agentIds: z.array(Id).min(1).max(10_000).optional(),
  teamIds: z.array(Id).min(1).max(1000).optional(),
  /** Rows per INSERT … SELECT (bounds memory on a small box). */
  batch: z.number().int().positive().default(2_000_000),
});
export type HistoryOptions = z.input<typeof HistoryOptions>;

export interface HistorySummary {
  orgId: string;
  from: string;
  to: string;
  attempts: number;
  leads: number;
  agents: number;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  /** Wall time of each stage (spend, agent cycles, leads, attempts): where generation goes. */
  stages: { stage: string; rows: number; seconds: number }[];
}

const DAY = 86_400_000;

/**
 * Every generated row passes ~20 materialized views. Run them side by side
 * (parallel_view_processing) and the INSERT … SELECT on every core: on the 2-core box a 2M-event
 * history went from 60 s to 20 s (33k → 101k events/s, load 3–8); the rows are the same.
 */
const INSERT_SETTINGS: ClickHouseSettings = {
  parallel_view_processing: 1,
  max_insert_threads: String(availableParallelism()),
};

async function inBatches(
  client: ClickHouseClient,
  query: string,
  total: number,
  batch: number,
  params: Record<string, unknown>,
  onProgress?: (done: number, total: number) => void,
): Promise<void> {
  for (let first = 0; first < total; first += batch) {
    const count = Math.min(batch, total - first);
    await client.command({
      query,
      query_params: { ...params, first, count },
      clickhouse_settings: INSERT_SETTINGS,
    });
    onProgress?.(first + count, total);
  }
}

/** Inserts the history into `events` (migrations must already be applied: the MVs fill the rest). */
export async function generateHistory(
  client: ClickHouseClient,
  input: HistoryOptions,
  log: (msg: string) => void = () => {},
): Promise<HistorySummary> {
  const o = HistoryOptions.parse(input);
  const startDay = o.startMs ?? Math.floor(Date.now() / DAY) * DAY - o.days * DAY;
  const spanMs = o.days * DAY;
  const started = performance.now();
  const before = await countEvents(client, o.orgId);
  const agentIds = o.agentIds ?? numbered("agent", o.agents);
  const common = {
    org: o.orgId,
    seed: o.seed,
    leads: o.leads,
    attempts: o.attempts,
    campaign_ids: o.campaignIds ?? numbered("camp", o.campaigns),
    lists: o.lists,
    agent_ids: agentIds,
    team_ids: o.teamIds ?? numbered("team", o.teams),
    start_ms: startDay,
    start_day_ms: startDay,
    span_ms: spanMs,
    spend_scale: Math.max(0.01, o.leads / (o.days * 24 * 30) / 3),
  };
  const progress = (what: string) => (done: number, total: number) =>
    log(`${what}: ${done.toLocaleString("en-US")} / ${total.toLocaleString("en-US")}`);
  const stages: HistorySummary["stages"] = [];
  const stage = async (name: string, sql: string, rows: number, batch: number) => {
    const t = performance.now();
    await inBatches(client, sql, rows, batch, common, progress(name));
    stages.push({ stage: name, rows, seconds: (performance.now() - t) / 1000 });
    log(`${name}: ${rows.toLocaleString("en-US")} rows in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  };
  await stage("ad spend", SPEND_SQL, o.days * 24 * 30, o.batch);
  await stage("agent cycles", AGENT_STATES_SQL, agentIds.length * o.days * 144, o.batch);
  await stage("leads", LEADS_SQL, o.leads, o.batch);
  // Attempts expand to ~3.5 rows each: smaller batches.
  await stage("attempts", ATTEMPTS_SQL, o.attempts, Math.ceil(o.batch / 4));
  // The funnel's per-lead precompute is filled by a refresh, not a view (it needs each lead's
  // whole history); slices of ~250k leads bound its memory. Optional: a writer that may only
  // insert events (npm start's host) is refused, and the funnel then runs windowFunnel for all.
  const t = performance.now();
  try {
    await refreshFunnelLeads(client, Math.max(1, Math.ceil(o.leads / 250_000)));
    stages.push({ stage: "funnel precompute", rows: o.leads, seconds: (performance.now() - t) / 1000 });
    log(
      `funnel precompute: ${o.leads.toLocaleString("en-US")} leads in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
  } catch (err) {
    log(`funnel precompute skipped: ${(err as Error).message.slice(0, 200)}`);
  }
  // Last-touch ROI's per-conversion precompute, the same way (npm start: the report refresher's).
  const r = performance.now();
  try {
    await refreshRoiLastTouch(client, Math.max(1, Math.ceil(o.attempts / 2_000_000)));
    stages.push({ stage: "roi precompute", rows: o.attempts, seconds: (performance.now() - r) / 1000 });
    log(
      `roi precompute: ${o.attempts.toLocaleString("en-US")} attempts in ${((performance.now() - r) / 1000).toFixed(1)} s`,
    );
  } catch (err) {
    log(`roi precompute skipped: ${(err as Error).message.slice(0, 200)}`);
  }
  // Both are read with FINAL: parts that overlap (one per slice and insert block) make FINAL
  // merge at query time (7.2M ROI rows in 10 parts: 1.1-5.8 s vs 0.19-0.26 s merged), so the
  // history ends merged, as background merges would leave it later.
  const m = performance.now();
  try {
    for (const table of ["report_funnel_leads", "report_roi_last_touch"]) {
      await client.command({ query: `OPTIMIZE TABLE ${table} FINAL` });
    }
    stages.push({ stage: "precompute merge", rows: o.leads, seconds: (performance.now() - m) / 1000 });
  } catch (err) {
    log(`precompute merge skipped: ${(err as Error).message.slice(0, 200)}`);
  }
  const events = (await countEvents(client, o.orgId)) - before;
  const seconds = (performance.now() - started) / 1000;
  return {
    orgId: o.orgId,
    from: new Date(startDay).toISOString(),
    to: new Date(startDay + spanMs).toISOString(),
    attempts: o.attempts,
    leads: o.leads,
    agents: agentIds.length,
    events,
    seconds,
    eventsPerSecond: events / seconds,
    stages,
  };
}

async function countEvents(client: ClickHouseClient, orgId: string): Promise<number> {
  const rs = await client.query({
    query: "SELECT count() AS n FROM events WHERE org_id = {org:String}",
    query_params: { org: orgId },
    format: "JSONEachRow",
  });
  const rows = z.array(z.object({ n: z.coerce.number() })).parse(await rs.json());
  return rows[0]?.n ?? 0;
}
