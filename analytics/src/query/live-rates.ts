import { readFileSync } from "node:fs";
import type { ClickHouseClient } from "@clickhouse/client";
import { z } from "zod";

// Leading comment lines dropped: a query that starts with SELECT runs in one engine call on
// the embedded host (with its parameter preamble); one that starts with a comment takes two.
const LIVE_RATES_SQL = readFileSync(new URL("./live-rates.sql", import.meta.url), "utf8").replace(
  /^(?:\s*--[^\n]*\n)+/,
  "",
);
const AGENT_STATE_SQL = readFileSync(new URL("./agent-state.sql", import.meta.url), "utf8");

const CAMPAIGN_BUCKET_S = 10;
const AGENT_BUCKET_S = 60;

// UInt64 arrive as strings in JSON (output_format_json_quote_64bit_integers); NaN as null.
const Count = z.coerce.number().int().nonnegative();
const MaybeNumber = z.union([
  z.number(),
  z.null(),
  z.string().transform((s) => (s === "nan" ? null : Number(s))),
]);

const LiveRatesRow = z.object({
  attempts: Count,
  answered: Count,
  human_answered: Count,
  machine: Count,
  abandoned: Count,
  bridged: Count,
  talked: Count,
  talk_s: z.coerce.number(),
  wrapped: Count,
  wrap_s: z.coerce.number(),
  time_to_answer: z.array(MaybeNumber).length(3),
});

export const LiveRatesInput = z.object({
  campaignId: z.string().min(1),
  windowSeconds: z
    .number()
    .int()
    .min(1)
    .max(30 * 86_400),
  orgId: z.string().min(1).optional(),
  /** End of the window (defaults to the current time). */
  now: z.date().optional(),
});

export type LiveRatesInput = z.input<typeof LiveRatesInput>;

export interface TimeWindow {
  /** Start of the first bucket included (UTC). */
  from: Date;
  /** End of the window as asked (UTC); the bucket containing it is included. */
  to: Date;
  bucketSeconds: number;
}

export interface LiveRates {
  attempts: number;
  answered: number;
  humanAnswered: number;
  machine: number;
  abandoned: number;
  bridged: number;
  /** answered / attempts (machines included); null with no attempts. */
  answerRate: number | null;
  /** human (live) answered / attempts; null with no attempts. */
  humanAnswerRate: number | null;
  /** abandoned / live answers (the regulatory outbound abandon rate); null with no live answers. */
  abandonRate: number | null;
  /** Mean talk seconds of ended calls that had talk time; null if none. */
  meanTalkSeconds: number | null;
  /** Mean after-call work seconds of ended calls that had wrap time; null if none. */
  meanWrapSeconds: number | null;
  /** Seconds from dial to answer (all answered calls), interpolated quantiles. */
  timeToAnswer: { p50: number | null; p90: number | null; p95: number | null };
  window: TimeWindow;
}

function ratio(n: number, d: number): number | null {
  return d > 0 ? n / d : null;
}

function windowOf(now: Date, windowSeconds: number, bucket: number): { from_s: number; to_s: number } {
  const to = Math.floor(now.getTime() / 1000);
  const from = Math.floor((now.getTime() / 1000 - windowSeconds) / bucket) * bucket;
  return { from_s: from, to_s: Math.floor(to / bucket) * bucket };
}

/**
 * Live answer / abandon rates and time-to-answer for one campaign over the last
 * `windowSeconds` — what pacing reads. Every 10-second bucket overlapping the window counts.
 */
export async function liveRates(client: ClickHouseClient, input: LiveRatesInput): Promise<LiveRates> {
  const args = LiveRatesInput.parse(input);
  const now = args.now ?? new Date();
  const w = windowOf(now, args.windowSeconds, CAMPAIGN_BUCKET_S);
  const rs = await client.query({
    query: LIVE_RATES_SQL,
    format: "JSONEachRow",
    query_params: { campaign_id: args.campaignId, org_id: args.orgId ?? "", ...w },
  });
  const rows = z
    .array(LiveRatesRow)
    .length(1)
    .parse(await rs.json());
  const r = rows[0]!;
  const [p50, p90, p95] = r.time_to_answer.map((v) => (v === null || Number.isNaN(v) ? null : v));
  return {
    attempts: r.attempts,
    answered: r.answered,
    humanAnswered: r.human_answered,
    machine: r.machine,
    abandoned: r.abandoned,
    bridged: r.bridged,
    answerRate: ratio(r.answered, r.attempts),
    humanAnswerRate: ratio(r.human_answered, r.attempts),
    abandonRate: ratio(r.abandoned, r.human_answered),
    meanTalkSeconds: ratio(r.talk_s, r.talked),
    meanWrapSeconds: ratio(r.wrap_s, r.wrapped),
    timeToAnswer: { p50: p50 ?? null, p90: p90 ?? null, p95: p95 ?? null },
    window: { from: new Date(w.from_s * 1000), to: now, bucketSeconds: CAMPAIGN_BUCKET_S },
  };
}

export const AgentStateTotalsInput = z.object({
  windowSeconds: z
    .number()
    .int()
    .min(1)
    .max(31 * 86_400),
  orgId: z.string().min(1).optional(),
  agentId: z.string().min(1).optional(),
  campaignId: z.string().min(1).optional(),
  now: z.date().optional(),
});

export type AgentStateTotalsInput = z.input<typeof AgentStateTotalsInput>;

const AgentStateRow = z.object({
  agent_id: z.string(),
  state: z.string(),
  seconds: z.coerce.number(),
  exits: Count,
});

export interface AgentStateTotal {
  agentId: string;
  state: string;
  /** Seconds spent in `state` inside the window's 1-minute buckets. */
  seconds: number;
  /** How many times the agent left `state` in the window. */
  exits: number;
}

/** Per agent, seconds in each state (ready, reserved, on_call, wrap_up, paused, …). */
export async function agentStateTotals(
  client: ClickHouseClient,
  input: AgentStateTotalsInput,
): Promise<{ totals: AgentStateTotal[]; window: TimeWindow }> {
  const args = AgentStateTotalsInput.parse(input);
  const now = args.now ?? new Date();
  const w = windowOf(now, args.windowSeconds, AGENT_BUCKET_S);
  const rs = await client.query({
    query: AGENT_STATE_SQL,
    format: "JSONEachRow",
    query_params: {
      org_id: args.orgId ?? "",
      agent_id: args.agentId ?? "",
      campaign_id: args.campaignId ?? "",
      ...w,
    },
  });
  const rows = z.array(AgentStateRow).parse(await rs.json());
  return {
    totals: rows.map((r) => ({ agentId: r.agent_id, state: r.state, seconds: r.seconds, exits: r.exits })),
    window: { from: new Date(w.from_s * 1000), to: now, bucketSeconds: AGENT_BUCKET_S },
  };
}
