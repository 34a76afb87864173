import { EntityId } from "@cc/ingest";
import { z } from "zod";
import {
  Count,
  chDateTime,
  Ratio,
  type ReportClient,
  type ReportResult,
  type ReportSql,
  runReport,
} from "./query.ts";
import { scopeSql, type VisibilityScope, visibleAgentPredicate } from "./scope.ts";

/**
 * Poor calls (通话质量差) by trunk, agent or hour of day, from call_quality (migration 096).
 * A call's quality is its worse leg (the lower MOS of what the customer and the agent heard);
 * a call is poor when that MOS is below the threshold (default 3.5: "fair" and below on the
 * ITU-T P.800 scale, where people start to complain). Legs without RTCP do not count.
 */
export const QualityGroupBy = z.enum(["trunk", "agent", "hour"]);
export type QualityGroupBy = z.infer<typeof QualityGroupBy>;

export const POOR_MOS = 3.5;

export const QualityParams = z
  .object({
    from: z.iso.datetime(),
    to: z.iso.datetime(),
    groupBy: QualityGroupBy.default("trunk"),
    poorMos: z.number().min(1).max(5).default(POOR_MOS),
    campaignIds: z.array(EntityId).max(1000).optional(),
    timeZone: z.string().min(1).max(64).default("Asia/Shanghai"),
  })
  .refine((p) => Date.parse(p.to) > Date.parse(p.from), { message: "to must be after from", path: ["to"] });
export type QualityParams = z.input<typeof QualityParams>;

const Maybe = z.coerce.number().nullable();

export const QualityRow = z.object({
  /** Trunk id, agent id, or hour of day (0–23, in the report's time zone) as text. */
  key: z.string(),
  calls: Count,
  /** Calls with at least one leg measured. */
  measured: Count,
  poor: Count,
  poor_share: Ratio,
  avg_mos: Maybe,
  min_mos: Maybe,
  avg_loss_pct: Maybe,
  avg_jitter_ms: Maybe,
  avg_rtt_ms: Maybe,
});
export type QualityRow = z.infer<typeof QualityRow>;

const KEY: Record<QualityGroupBy, string> = {
  trunk: "trunk",
  agent: "agent_id",
  hour: "toString(toHour(at, {tz:String}))",
};

export function qualitySql(scope: VisibilityScope, input: QualityParams): ReportSql {
  const p = QualityParams.parse(input);
  const s = scopeSql(scope);
  const query = `
SELECT
  ${KEY[p.groupBy]} AS key,
  count() AS calls,
  countIf(isNotNull(worst_mos)) AS measured,
  countIf(ifNull(worst_mos < {poor:Float64}, 0)) AS poor,
  if(measured > 0, poor / measured, NULL) AS poor_share,
  round(avg(worst_mos), 2) AS avg_mos,
  round(min(worst_mos), 2) AS min_mos,
  round(avg(loss), 2) AS avg_loss_pct,
  round(avg(jitter), 2) AS avg_jitter_ms,
  round(avg(rtt), 2) AS avg_rtt_ms
FROM
(
  SELECT attempt_id, any(trunk) AS trunk, max(agent_id) AS agent_id, min(occurred_at) AS at,
         min(mos) AS worst_mos, max(loss_pct) AS loss, max(jitter_ms) AS jitter, max(rtt_ms) AS rtt
  FROM call_quality FINAL
  WHERE org_id = {scope_org:String}
    AND occurred_at >= {from:DateTime64(3, 'UTC')} AND occurred_at < {to:DateTime64(3, 'UTC')}
    ${s.campaignRestricted ? "AND campaign_id IN {scope_campaigns:Array(String)}" : ""}
    ${p.campaignIds ? "AND campaign_id IN {campaigns:Array(String)}" : ""}
  GROUP BY attempt_id
)
WHERE 1 ${s.agentRestricted ? `AND ${visibleAgentPredicate("agent_id")}` : ""}
GROUP BY key
ORDER BY ${p.groupBy === "hour" ? "toUInt8OrZero(key)" : "poor DESC, key"}
`;
  return {
    query,
    params: {
      ...s.params,
      from: chDateTime(p.from),
      to: chDateTime(p.to),
      poor: p.poorMos,
      tz: p.timeZone,
      campaigns: p.campaignIds ?? [],
    },
  };
}

export async function qualityReport(
  client: ReportClient,
  scope: VisibilityScope,
  params: QualityParams,
): Promise<ReportResult<QualityRow>> {
  return runReport(client, qualitySql(scope, params), QualityRow);
}
