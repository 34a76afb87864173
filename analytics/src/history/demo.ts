// A month of generated history for the demo org, so a new user's funnel, ROI and workload
// reports show something before the demo has run for a month. Once per org (the
// generated_history row is the marker), never outside the demo org, and flagged: reports
// ask generatedHistoryIn() and say "includes generated demo history".
import type { ClickHouseClient } from "@clickhouse/client";
import { z } from "zod";
import type { ReportClient } from "../reports/query.ts";
import { chDateTime } from "../reports/query.ts";
import { generateHistory, type HistorySummary } from "./generate.ts";

/** The one org generated history may ever be written to (npm start's default CC_ORG_ID). */
export const DEMO_ORG_ID = "demo";

const DAY = 86_400_000;
const Id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

export const DemoHistoryOptions = z.object({
  orgId: Id,
  /** The demo's own campaign(s), agents and team, so the history reads like theirs. */
  campaignIds: z.array(Id).min(1).max(20),
  agentIds: z.array(Id).min(1).max(100),
  teamIds: z.array(Id).min(1).max(20).default(["team-1"]),
  days: z.number().int().min(1).max(90).default(30),
  /** Call attempts per agent and day (≈ 54 % are talked to an agent). */
  attemptsPerAgentDay: z.number().int().min(1).max(2000).default(180),
  seed: z.number().int().nonnegative().default(20_260_101),
  /** The history ends at 00:00 UTC of this day (08:00 in China): the live demo takes over from there. */
  nowMs: z.number().int().optional(),
});
export type DemoHistoryOptions = z.input<typeof DemoHistoryOptions>;

export type DemoHistoryResult =
  | { status: "generated"; summary: HistorySummary }
  | { status: "present"; from: string; to: string };

export class DemoHistoryError extends Error {
  override name = "DemoHistoryError";
  readonly code: "NOT_DEMO_ORG";
  constructor(code: "NOT_DEMO_ORG", message: string) {
    super(message);
    this.code = code;
  }
}

const Marker = z.object({ from_at: z.string(), to_at: z.string() });

async function marker(client: ReportClient, orgId: string): Promise<z.infer<typeof Marker> | null> {
  const rs = await client.query({
    query: `SELECT toString(from_at) AS from_at, toString(to_at) AS to_at
            FROM generated_history FINAL WHERE org_id = {org:String} LIMIT 1`,
    query_params: { org: orgId },
    format: "JSONEachRow",
  });
  return z.array(Marker).parse(await rs.json())[0] ?? null;
}

/**
 * Generates the demo org's history unless it already has one. Refuses any other org: generated
 * rows must never mix with a real call center's figures.
 */
export async function seedDemoHistory(
  client: ClickHouseClient,
  input: DemoHistoryOptions,
  log: (msg: string) => void = () => {},
): Promise<DemoHistoryResult> {
  const o = DemoHistoryOptions.parse(input);
  if (o.orgId !== DEMO_ORG_ID)
    throw new DemoHistoryError(
      "NOT_DEMO_ORG",
      `generated history is only for the demo org "${DEMO_ORG_ID}", not "${o.orgId}"`,
    );
  const existing = await marker(client, o.orgId);
  if (existing) return { status: "present", from: existing.from_at, to: existing.to_at };
  const startMs = Math.floor((o.nowMs ?? Date.now()) / DAY) * DAY - o.days * DAY;
  const attempts = o.agentIds.length * o.days * o.attemptsPerAgentDay;
  const summary = await generateHistory(
    client,
    {
      orgId: o.orgId,
      seed: o.seed,
      attempts,
      leads: Math.ceil(attempts / 3),
      days: o.days,
      startMs,
      campaignIds: o.campaignIds,
      agentIds: o.agentIds,
      teamIds: o.teamIds,
      lists: 3,
    },
    log,
  );
  // Written last: a start cut short mid-way generates again (same seed and day, same event ids).
  await client.insert({
    table: "generated_history",
    values: [
      {
        org_id: o.orgId,
        from_at: chDateTime(summary.from),
        to_at: chDateTime(summary.to),
        events: summary.events,
        seed: o.seed,
      },
    ],
    format: "JSONEachRow",
  });
  return { status: "generated", summary };
}

/** Whether [fromIso, toIso) overlaps the org's generated history (reports then say so). */
export async function generatedHistoryIn(
  client: ReportClient,
  orgId: string,
  fromIso: string,
  toIso: string,
): Promise<boolean> {
  const rs = await client.query({
    query: `SELECT count() > 0 AS overlaps FROM generated_history FINAL
            WHERE org_id = {org:String} AND from_at < {to:DateTime64(3, 'UTC')} AND to_at > {from:DateTime64(3, 'UTC')}`,
    query_params: { org: orgId, from: chDateTime(fromIso), to: chDateTime(toIso) },
    format: "JSONEachRow",
  });
  const rows = z.array(z.object({ overlaps: z.coerce.number() })).parse(await rs.json());
  return (rows[0]?.overlaps ?? 0) > 0;
}
