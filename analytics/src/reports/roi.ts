import { z } from "zod";
import {
  Count,
  chDateTime,
  Num,
  Ratio,
  type ReportClient,
  type ReportResult,
  type ReportRunOptions,
  type ReportSql,
  runReport,
} from "./query.ts";
import { ROI_STALE_LEADS, roiLastTouchRefreshed } from "./roi-last-touch.ts";
import { scopeSql, VisibilityScope, visibleLeadsSubquery } from "./scope.ts";

/** Attribution models (kpi-definitions): last touch is the default. */
export const AttributionModel = z.enum([
  "last_touch",
  "first_touch",
  "linear",
  "time_decay",
  "position_based",
]);
export type AttributionModel = z.infer<typeof AttributionModel>;

/** channel / ad campaign / ad / hour-of-day slot / day, or the hour × weekday heatmap. */
export const RoiGroupBy = z.enum(["channel", "ad_campaign", "ad", "slot", "day", "heatmap"]);
export type RoiGroupBy = z.infer<typeof RoiGroupBy>;

export const RoiParams = z
  .object({
    from: z.iso.datetime(),
    to: z.iso.datetime(),
    model: AttributionModel.default("last_touch"),
    /** A touch counts for a call/order/payment only if it happened this long before it. */
    lookbackDays: z.number().positive().max(365).default(30),
    groupBy: RoiGroupBy.default("channel"),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/)
      .default("CNY"),
    timeZone: z.string().min(1).max(64).default("Asia/Shanghai"),
    /** Half-life of the time-decay model. */
    halfLifeDays: z.number().positive().max(365).default(7),
  })
  .refine((p) => Date.parse(p.to) > Date.parse(p.from), { message: "to must be after from", path: ["to"] });
export type RoiParams = z.input<typeof RoiParams>;

export const RoiRow = z.object({
  key: z.string(),
  spend_minor: Num,
  impressions: Count,
  clicks: Count,
  leads: Num,
  calls: Num,
  orders: Num,
  order_value_minor: Num,
  revenue_minor: Num,
  /** (revenue − spend) / spend. */
  roi: Ratio,
  cost_per_lead_minor: Ratio,
  cost_per_order_minor: Ratio,
});
export type RoiRow = z.infer<typeof RoiRow>;

// Last touch from the precompute, for leads not stored to since the org's last refresh: the
// conversion's last touch at or before it is attributed iff it lies in the look-back window.
// (FINAL: a later refresh's row for a conversion replaces an earlier one.) Summed per touch
// ad, or per 15-minute touch slot for the time keys, before the key is computed: every time
// zone's offset is a whole number of quarter hours, so a UTC quarter hour lies in one local
// hour and day, and the zone conversion runs per slot instead of per conversion.
const freshLastTouch = (groupBy: RoiGroupBy, leadFilter: string) => {
  const bySlot = groupBy === "slot" || groupBy === "day" || groupBy === "heatmap";
  const touch = bySlot ? "toStartOfFifteenMinutes(t) AS touched_at" : "channel, ad_campaign_id, ad_id";
  return `
    SELECT ${TOUCH_KEY[groupBy]} AS key, sum(calls) AS calls, sum(orders) AS orders,
      sum(order_value) AS order_value, sum(revenue) AS revenue
    FROM (
      SELECT ${touch}, countIf(kind = 'call.attempt_created') AS calls, countIf(kind = 'order.created') AS orders,
        sumIf(amount_minor, kind = 'order.created') AS order_value,
        sumIf(amount_minor, kind = 'payment.received') AS revenue
      FROM (
        SELECT touched_at AS t, channel, ad_campaign_id, ad_id, kind, amount_minor
        FROM report_roi_last_touch FINAL
        WHERE org_id = {scope_org:String}
          AND ts >= {from:DateTime64(3, 'UTC')} AND ts < {to:DateTime64(3, 'UTC')}
          AND (kind = 'call.attempt_created' OR currency = {currency:String})
          AND touched_at >= ts - toIntervalSecond({lookback_s:UInt32})
          AND lead_hash NOT IN ${ROI_STALE_LEADS}
          ${leadFilter}
      )
      GROUP BY ${bySlot ? "touched_at" : "channel, ad_campaign_id, ad_id"}
    )
    GROUP BY key`;
};

// Grouping keys on the touch side (t = touch) and on the spend side; fixed expressions.
const TOUCH_KEY: Record<RoiGroupBy, string> = {
  channel: "channel",
  ad_campaign: "concat(channel, ' / ', ad_campaign_id)",
  ad: "concat(channel, ' / ', ad_campaign_id, ' / ', ad_id)",
  slot: "leftPad(toString(toHour(touched_at, {tz:String})), 2, '0')",
  day: "toString(toDate(touched_at, {tz:String}))",
  heatmap:
    "concat(toString(toDayOfWeek(touched_at, 0, {tz:String})), ':', toString(toHour(touched_at, {tz:String})))",
};
const SPEND_KEY: Record<RoiGroupBy, string> = {
  channel: "channel",
  ad_campaign: "concat(channel, ' / ', ad_campaign_id)",
  ad: "concat(channel, ' / ', ad_campaign_id, ' / ', ad_id)",
  slot: "leftPad(toString(toHour(slot_start, {tz:String})), 2, '0')",
  day: "toString(toDate(slot_start, {tz:String}))",
  heatmap:
    "concat(toString(toDayOfWeek(slot_start, 0, {tz:String})), ':', toString(toHour(slot_start, {tz:String})))",
};

/**
 * Spend (ad.spend_reported) against what the ads brought, with time-windowed attribution.
 * Leads are counted per touch (each lead.created from an ad is one lead for that ad).
 * Calls (attempts), orders (order.created, value) and revenue (payment.received) are
 * conversions: each is shared among the lead's touches in the look-back window before it,
 * by the chosen model's weights (which sum to 1 per conversion).
 *
 * `precomputed` (last touch only; roiReport sets it once a refresh has completed): leads
 * whose touches and conversions were all stored before the org's last refresh are read from
 * report_roi_last_touch (a scan over conversions), the others join as before (exact either way).
 */
export function roiSql(
  scope: VisibilityScope,
  input: RoiParams,
  options: { precomputed?: boolean } = {},
): ReportSql {
  const p = RoiParams.parse(input);
  const s = scopeSql(scope);
  const visibleLeads = visibleLeadsSubquery(s, "report_lead_steps");
  const leadFilter = visibleLeads ? `AND lead_hash IN ${visibleLeads}` : "";
  const fast = options.precomputed === true && p.model === "last_touch";
  const staleOnly = fast ? `AND lead_hash IN ${ROI_STALE_LEADS}` : "";
  // One pass per source, UNION ALL'd and summed by key: every CTE is referenced once or
  // twice at most (ClickHouse inlines CTEs), and attribution works on one array per
  // conversion instead of window functions.
  const query = `
WITH
  touches AS (
    SELECT event_id AS touch_id, lead_hash, touched_at, ${TOUCH_KEY[p.groupBy]} AS key
    FROM report_touches
    WHERE org_id = {scope_org:String}
      AND touched_at >= {from:DateTime64(3, 'UTC')} - toIntervalSecond({lookback_s:UInt32})
      AND touched_at < {to:DateTime64(3, 'UTC')}
      ${leadFilter}
  ),
  conversions AS (
    SELECT event_id AS conv_id, lead_hash, ts, kind, amount_minor
    FROM report_conversions
    WHERE org_id = {scope_org:String}
      AND ts >= {from:DateTime64(3, 'UTC')} AND ts < {to:DateTime64(3, 'UTC')}
      AND (kind = 'call.attempt_created' OR currency = {currency:String})
      ${leadFilter}
      ${staleOnly}
  ),
  paths AS (
    -- Each conversion with its touches in the look-back window, oldest first.
    SELECT
      c.conv_id AS conv_id, any(c.kind) AS kind, any(c.amount_minor) AS amount_minor, any(c.ts) AS conv_ts,
      arraySort(x -> (x.1, x.3), groupArray((t.touched_at, t.key, t.touch_id))) AS path
    FROM conversions AS c
    INNER JOIN ${fast ? `(SELECT * FROM touches WHERE 1 ${staleOnly})` : "touches"} AS t ON t.lead_hash = c.lead_hash
    WHERE t.touched_at <= c.ts AND t.touched_at >= c.ts - toIntervalSecond({lookback_s:UInt32})
    GROUP BY c.conv_id
  ),
  attributed AS (
    SELECT
      tupleElement(touch, 2) AS key,
      length(path) AS n,
      multiIf(
        {model:String} = 'last_touch', toFloat64(i = n),
        {model:String} = 'first_touch', toFloat64(i = 1),
        {model:String} = 'linear', 1 / n,
        {model:String} = 'time_decay',
          exp2(-dateDiff('second', tupleElement(touch, 1), conv_ts) / {half_life_s:Float64})
            / arraySum(x -> exp2(-dateDiff('second', x.1, conv_ts) / {half_life_s:Float64}), path),
        n = 1, 1.0,
        n = 2, 0.5,
        i = 1 OR i = n, 0.4,
        0.2 / (n - 2)) AS w,
      kind, amount_minor
    FROM paths
    ARRAY JOIN path AS touch, arrayEnumerate(path) AS i
  ),
  summed AS (
    SELECT key, sum(spend) AS spend_minor, sum(imp) AS impressions, sum(clk) AS clicks, sum(lead) AS leads,
      sum(call) AS calls, sum(ord) AS orders, sum(ord_value) AS order_value_minor, sum(rev) AS revenue_minor
    FROM
    (
      SELECT ${SPEND_KEY[p.groupBy]} AS key, toFloat64(spend_minor) AS spend, impressions AS imp, clicks AS clk,
        0.0 AS lead, 0.0 AS call, 0.0 AS ord, 0.0 AS ord_value, 0.0 AS rev
      FROM report_ad_spend
      WHERE org_id = {scope_org:String} AND currency = {currency:String}
        AND slot_start >= {from:DateTime64(3, 'UTC')} AND slot_start < {to:DateTime64(3, 'UTC')}
      UNION ALL
      SELECT key, 0.0, toUInt64(0), toUInt64(0), 1.0, 0.0, 0.0, 0.0, 0.0
      FROM touches WHERE touched_at >= {from:DateTime64(3, 'UTC')}
      UNION ALL
      SELECT key, 0.0, toUInt64(0), toUInt64(0), 0.0,
        if(kind = 'call.attempt_created', w, 0), if(kind = 'order.created', w, 0),
        if(kind = 'order.created', w * amount_minor, 0), if(kind = 'payment.received', w * amount_minor, 0)
      FROM attributed
      ${
        fast
          ? `UNION ALL
      SELECT key, 0.0, toUInt64(0), toUInt64(0), 0.0,
        toFloat64(calls), toFloat64(orders), toFloat64(order_value), toFloat64(revenue)
      FROM (${freshLastTouch(p.groupBy, leadFilter)})`
          : ""
      }
    )
    GROUP BY key
  )
SELECT
  key, spend_minor, impressions, clicks, leads, calls, orders, order_value_minor, revenue_minor,
  if(spend_minor > 0, (revenue_minor - spend_minor) / spend_minor, NULL) AS roi,
  if(leads > 0, spend_minor / leads, NULL) AS cost_per_lead_minor,
  if(orders > 0, spend_minor / orders, NULL) AS cost_per_order_minor
FROM summed
ORDER BY spend_minor DESC, key
`;
  return {
    query,
    params: {
      ...s.params,
      from: chDateTime(p.from),
      to: chDateTime(p.to),
      lookback_s: Math.round(p.lookbackDays * 86_400),
      half_life_s: p.halfLifeDays * 86_400,
      model: p.model,
      currency: p.currency,
      tz: p.timeZone,
    },
  };
}

export interface HeatmapCell {
  /** ISO weekday, 1 = Monday … 7 = Sunday, in the report's time zone. */
  dayOfWeek: number;
  hour: number;
  row: RoiRow;
}

export interface RoiReport extends ReportResult<RoiRow> {
  total: RoiRow;
  /** Filled when groupBy = heatmap. */
  heatmap: HeatmapCell[];
}

export function roiTotal(rows: RoiRow[]): RoiRow {
  const t = {
    key: "total",
    spend_minor: 0,
    impressions: 0,
    clicks: 0,
    leads: 0,
    calls: 0,
    orders: 0,
    order_value_minor: 0,
    revenue_minor: 0,
  };
  for (const r of rows) {
    t.spend_minor += r.spend_minor;
    t.impressions += r.impressions;
    t.clicks += r.clicks;
    t.leads += r.leads;
    t.calls += r.calls;
    t.orders += r.orders;
    t.order_value_minor += r.order_value_minor;
    t.revenue_minor += r.revenue_minor;
  }
  return {
    ...t,
    roi: t.spend_minor > 0 ? (t.revenue_minor - t.spend_minor) / t.spend_minor : null,
    cost_per_lead_minor: t.leads > 0 ? t.spend_minor / t.leads : null,
    cost_per_order_minor: t.orders > 0 ? t.spend_minor / t.orders : null,
  };
}

export async function roiReport(
  client: ReportClient,
  scope: VisibilityScope,
  params: RoiParams,
  options: ReportRunOptions = {},
): Promise<RoiReport> {
  // Never refreshed (a floor without the report refresher): every lead would be stale, and
  // the join alone is cheaper than the join plus the stale-lead set.
  const model = RoiParams.parse(params).model;
  const precomputed =
    model === "last_touch" && (await roiLastTouchRefreshed(client, VisibilityScope.parse(scope).orgId));
  const res = await runReport(client, roiSql(scope, params, { precomputed }), RoiRow, options);
  const heatmap: HeatmapCell[] = [];
  if (RoiParams.parse(params).groupBy === "heatmap") {
    for (const row of res.rows) {
      const [d, h] = row.key.split(":").map(Number);
      if (d !== undefined && h !== undefined) heatmap.push({ dayOfWeek: d, hour: h, row });
    }
  }
  return { ...res, total: roiTotal(res.rows), heatmap };
}
