import { EntityId } from "@cc/ingest";
import { z } from "zod";
import { FAST_TALK_S, funnelLeadsRefreshed, PRECOMPUTED_LEVELS, STALE_LEADS } from "./funnel-leads.ts";
import {
  Count,
  chDateTime,
  type ReportClient,
  type ReportResult,
  type ReportRunOptions,
  type ReportSql,
  runReport,
} from "./query.ts";
import {
  type ScopeSql,
  scopeSql,
  VisibilityScope,
  visibleAgentPredicate,
  visibleLeadsSubquery,
} from "./scope.ts";

/** Funnel steps, in order. Appointment = disposition A (the A–F scale's "invite accepted"). */
export const FUNNEL_STEPS = [
  "dialed",
  "connected",
  "live",
  "talked",
  "interested",
  "appointment",
  "order",
  "paid",
] as const;
export type FunnelStep = (typeof FUNNEL_STEPS)[number];

export const FunnelBreakdown = z.enum([
  "none",
  "campaign",
  "list",
  "agent",
  "ad_source",
  "hour",
  "day",
  "week",
]);
export type FunnelBreakdown = z.infer<typeof FunnelBreakdown>;

export const FunnelParams = z
  .object({
    from: z.iso.datetime(),
    to: z.iso.datetime(),
    /** windowFunnel window: how long after the first dial later steps still count. */
    windowSeconds: z
      .number()
      .int()
      .positive()
      .max(366 * 86_400)
      .default(30 * 86_400),
    /** "talked ≥ N s". */
    talkThresholdS: z.number().nonnegative().max(86_400).default(60),
    breakdown: FunnelBreakdown.default("none"),
    /** Optional filter on the lead's first-dial campaign. */
    campaignIds: z.array(EntityId).max(1000).optional(),
    timeZone: z.string().min(1).max(64).default("Asia/Shanghai"),
  })
  .refine((p) => Date.parse(p.to) > Date.parse(p.from), { message: "to must be after from", path: ["to"] });
export type FunnelParams = z.input<typeof FunnelParams>;

export const FunnelRow = z.object({
  key: z.string(),
  s1: Count,
  s2: Count,
  s3: Count,
  s4: Count,
  s5: Count,
  s6: Count,
  s7: Count,
  s8: Count,
});
export type FunnelRow = z.infer<typeof FunnelRow>;

export interface FunnelStepFigures {
  step: FunnelStep;
  count: number;
  /** Units reaching this step / units entering step 1 (kpi-definitions). */
  conversion: number | null;
  /** Units reaching this step / units reaching the previous step. */
  stepConversion: number | null;
  /** Units lost between the previous step and this one. */
  dropOff: number;
}

export interface FunnelGroup {
  key: string;
  steps: FunnelStepFigures[];
}

// Breakdown keys are fixed expressions chosen from the enum, never user text.
const KEY_EXPR: Record<FunnelBreakdown, string> = {
  none: "'all'",
  campaign: "argMinIf(campaign_id, ts, kind = 'call.attempt_created')",
  list: "argMinIf(list_id, ts, kind = 'call.attempt_created')",
  // The first agent who talked to the lead (ended or dispositioned a call).
  agent: "argMinIf(agent_id, ts, agent_id != '' AND kind IN ('call.ended', 'call.disposition'))",
  ad_source: "'ad_source'", // replaced by the lead's channel in the outer query
  hour: "toString(toStartOfHour(entered_at, {tz:String}))",
  day: "toString(toDate(entered_at, {tz:String}))",
  week: "toString(toMonday(entered_at, {tz:String}))",
};

// The same keys from report_funnel_leads, by the lead's first dial in range. Breakdowns
// missing here (list, agent, ad source) always run windowFunnel.
const FAST_KEY_EXPR: Partial<Record<FunnelBreakdown, string>> = {
  none: "'all'",
  campaign: "entry_campaign",
  hour: "toString(toStartOfHour(entered_at, {tz:String}))",
  day: "toString(toDate(entered_at, {tz:String}))",
  week: "toString(toMonday(entered_at, {tz:String}))",
};

/**
 * Fresh leads' levels from the precompute (a scan over leads), leads with steps stored
 * since the last refresh through windowFunnel, found by the primary key. Only for the talk
 * threshold the precompute holds and an unrestricted viewer; otherwise null (windowFunnel).
 */
function precomputedLevels(
  p: z.output<typeof FunnelParams>,
  s: ScopeSql,
  innerFor: (only: string) => string,
): string | null {
  const key = FAST_KEY_EXPR[p.breakdown];
  if (key === undefined || p.talkThresholdS !== FAST_TALK_S || s.agentRestricted || s.campaignRestricted) {
    return null;
  }
  return `
    SELECT ${key} AS key, level FROM (${PRECOMPUTED_LEVELS})
    WHERE level >= 1 ${p.campaignIds ? "AND entry_campaign IN {campaigns:Array(String)}" : ""}
    UNION ALL
    SELECT key, level FROM (${innerFor(`AND lead_hash IN ${STALE_LEADS}`)})`;
}

/** Within the funnel's range: first-dial campaign visible, or a visible agent handled the lead. */
function visibleInRange(s: ScopeSql): string {
  const alternatives: string[] = [];
  if (s.campaignRestricted) {
    alternatives.push(
      "argMinIf(campaign_id, ts, kind = 'call.attempt_created') IN {scope_campaigns:Array(String)}",
    );
  }
  if (s.agentRestricted)
    alternatives.push(`countIf(agent_id != '' AND ${visibleAgentPredicate("agent_id")}) > 0`);
  return alternatives.length ? `AND (${alternatives.join(" OR ")})` : "";
}

/**
 * The funnel query. `windowFunnel` in its default mode, per lead, over millisecond
 * timestamps: see README.md for why no strict mode.
 */
export function funnelSql(
  scope: VisibilityScope,
  input: FunnelParams,
  options: { precomputed?: boolean } = {},
): ReportSql {
  const p = FunnelParams.parse(input);
  const s = scopeSql(scope);
  const visibleLeads = visibleLeadsSubquery(s, "report_lead_steps");
  const adSource = p.breakdown === "ad_source";
  // Rows that can match no step are dropped before grouping (windowFunnel ignores them
  // anyway), unless the agent axis needs every handled call.
  const keepAll = s.agentRestricted || p.breakdown === "agent";
  const kinds = keepAll
    ? `kind IN ('call.attempt_created', 'call.answered', 'call.ended', 'call.disposition',
                   'order.created', 'payment.received')`
    : `(kind IN ('call.attempt_created', 'call.answered', 'order.created', 'payment.received')
        OR (kind = 'call.ended' AND talk_s >= {talk_s:Float32})
        OR (kind = 'call.disposition' AND disposition IN ('A', 'B')))`;
  // `only` narrows the leads windowFunnel runs for (the precomputed path's non-interior leads).
  const innerFor = (only: string) => `
    SELECT
      ${adSource ? "lead_hash AS lead," : ""}
      minIf(ts, kind = 'call.attempt_created') AS entered_at,
      ${KEY_EXPR[p.breakdown]} AS key,
      windowFunnel({window_ms:UInt64})(
        toUInt64(toUnixTimestamp64Milli(ts)),
        kind = 'call.attempt_created' AND ts < {to:DateTime64(3, 'UTC')},
        kind = 'call.answered',
        kind = 'call.answered' AND detection = 'human',
        kind = 'call.ended' AND talk_s >= {talk_s:Float32},
        kind = 'call.disposition' AND disposition IN ('A', 'B'),
        kind = 'call.disposition' AND disposition = 'A',
        kind = 'order.created',
        kind = 'payment.received'
      ) AS level
    FROM report_lead_steps
    WHERE org_id = {scope_org:String}
      AND ts >= {from:DateTime64(3, 'UTC')}
      AND ts < {to:DateTime64(3, 'UTC')} + toIntervalMillisecond({window_ms:UInt64})
      AND ${kinds}
      ${visibleLeads ? `AND lead_hash IN ${visibleLeads}` : ""}
      ${only}
    GROUP BY lead_hash
    HAVING entered_at >= {from:DateTime64(3, 'UTC')} AND entered_at < {to:DateTime64(3, 'UTC')}
      ${p.campaignIds ? "AND argMinIf(campaign_id, ts, kind = 'call.attempt_created') IN {campaigns:Array(String)}" : ""}
      ${visibleInRange(s)}`;
  const inner = innerFor("");
  const keyed = adSource
    ? `SELECT if(ch.channel = '', '(none)', ch.channel) AS key, f.level AS level
       FROM (${inner}) AS f
       LEFT JOIN (
         SELECT lead_hash, argMin(channel, touched_at) AS channel
         FROM report_lead_steps
         WHERE org_id = {scope_org:String} AND kind = 'lead.created'
           AND ts < {to:DateTime64(3, 'UTC')} + toIntervalMillisecond({window_ms:UInt64})
         GROUP BY lead_hash
       ) AS ch ON ch.lead_hash = f.lead`
    : `SELECT if(key = '', '(none)', key) AS key, level FROM (${(options.precomputed !== false && precomputedLevels(p, s, innerFor)) || inner})`;
  const query = `
SELECT
  key,
  countIf(level >= 1) AS s1, countIf(level >= 2) AS s2, countIf(level >= 3) AS s3,
  countIf(level >= 4) AS s4, countIf(level >= 5) AS s5, countIf(level >= 6) AS s6,
  countIf(level >= 7) AS s7, countIf(level >= 8) AS s8
FROM (${keyed})
GROUP BY key
ORDER BY s1 DESC, key
`;
  return {
    query,
    params: {
      ...s.params,
      from: chDateTime(p.from),
      to: chDateTime(p.to),
      window_ms: p.windowSeconds * 1000,
      talk_s: p.talkThresholdS,
      tz: p.timeZone,
      campaigns: p.campaignIds ?? [],
    },
  };
}

/** Conversion and drop-off per step for one row of counters. */
export function funnelFigures(row: FunnelRow): FunnelStepFigures[] {
  const counts = [row.s1, row.s2, row.s3, row.s4, row.s5, row.s6, row.s7, row.s8];
  return FUNNEL_STEPS.map((step, i) => {
    const count = counts[i] ?? 0;
    const prev = i === 0 ? count : (counts[i - 1] ?? 0);
    return {
      step,
      count,
      conversion: row.s1 > 0 ? count / row.s1 : null,
      stepConversion: prev > 0 ? count / prev : null,
      dropOff: prev - count,
    };
  });
}

export interface FunnelReport extends ReportResult<FunnelRow> {
  groups: FunnelGroup[];
  total: FunnelGroup;
}

export async function funnelReport(
  client: ReportClient,
  scope: VisibilityScope,
  params: FunnelParams,
  options: ReportRunOptions = {},
): Promise<FunnelReport> {
  // Never refreshed (a live floor nobody runs refreshFunnelLeads for): every lead would be
  // stale, and windowFunnel alone is cheaper than windowFunnel plus the stale-lead set.
  const precomputed = await funnelLeadsRefreshed(client, VisibilityScope.parse(scope).orgId);
  const res = await runReport(client, funnelSql(scope, params, { precomputed }), FunnelRow, options);
  const groups = res.rows.map((r) => ({ key: r.key, steps: funnelFigures(r) }));
  const sum = FunnelRow.parse({ key: "total", s1: 0, s2: 0, s3: 0, s4: 0, s5: 0, s6: 0, s7: 0, s8: 0 });
  for (const r of res.rows) {
    for (const k of ["s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8"] as const) sum[k] += r[k];
  }
  return { ...res, groups, total: { key: "total", steps: funnelFigures(sum) } };
}
