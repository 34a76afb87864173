-- Pipeline and orders in the advertising ROI (广告投入回报): opportunities opened and signed,
-- and orders net of modifications and cancellations, in [{from}, {to}), each credited to the
-- lead's last ad touch within {lookback_days} days before it (ASOF join on report_touches),
-- against the channel's spend in the same range. ROI on signed value = (signed − spend) / spend.
-- Visibility: {restricted} = 0 sees the org; otherwise facts of listed agents or their teams.
WITH
visible AS (
    SELECT agent_id FROM (SELECT agent_id, argMax(team_id, seen_at) AS team_id
        FROM report_agent_teams WHERE org_id = {scope_org:String} GROUP BY agent_id)
    WHERE team_id IN {scope_teams:Array(String)}
),
opps AS (
    SELECT cityHash64(any(lead_id)) AS lead_hash, min(ts) AS first_ts,
        toUInt8(countIf(stage = 'signed') > 0) AS signed,
        argMaxIf(amount_minor, ts, stage = 'signed') AS signed_minor
    FROM sales_facts
    WHERE org_id = {scope_org:String} AND kind = 'opportunity.stage_changed' AND lead_id != ''
      AND ts < {to:DateTime64(3, 'UTC')} AND currency = {currency:String}
      AND ({restricted:UInt8} = 0 OR agent_id IN {scope_agents:Array(String)} OR agent_id IN visible)
    GROUP BY opportunity_id
    HAVING first_ts >= {from:DateTime64(3, 'UTC')}
),
orders AS (
    SELECT cityHash64(any(lead_id)) AS lead_hash, min(ts) AS first_ts,
        toUInt8(countIf(kind = 'order.cancelled') > 0) AS cancelled,
        argMaxIf(amount_minor, ts, kind != 'order.cancelled') AS value_minor
    FROM sales_facts
    WHERE org_id = {scope_org:String} AND kind IN ('order.created', 'order.modified', 'order.cancelled')
      AND lead_id != '' AND ts < {to:DateTime64(3, 'UTC')}
      AND ({restricted:UInt8} = 0 OR agent_id IN {scope_agents:Array(String)} OR agent_id IN visible)
    GROUP BY order_id
    HAVING first_ts >= {from:DateTime64(3, 'UTC')} AND countIf(kind = 'order.created') > 0
),
facts AS (
    SELECT lead_hash, first_ts AS ts, 1 AS opportunities, signed, signed_minor,
        0 AS orders, 0 AS cancelled, toInt64(0) AS order_value_minor
    FROM opps
    UNION ALL
    SELECT lead_hash, first_ts, 0, 0, toInt64(0), 1, cancelled, if(cancelled = 1, toInt64(0), value_minor)
    FROM orders
),
attributed AS (
    SELECT f.*,
        if(t.touched_at >= f.ts - toIntervalDay({lookback_days:UInt16}), t.channel, '') AS channel
    FROM facts AS f
    ASOF LEFT JOIN (
        SELECT lead_hash, touched_at, toString(channel) AS channel
        FROM report_touches WHERE org_id = {scope_org:String}
    ) AS t ON f.lead_hash = t.lead_hash AND f.ts >= t.touched_at
),
by_channel AS (
    SELECT if(channel = '', '(none)', channel) AS key,
        sum(opportunities) AS opportunities, sum(signed) AS signed, sum(signed_minor) AS signed_minor,
        sum(orders) AS orders, sum(cancelled) AS cancelled, sum(order_value_minor) AS order_value_minor
    FROM attributed
    GROUP BY key
),
spend AS (
    SELECT toString(channel) AS key, sum(spend_minor) AS spend_minor
    FROM report_ad_spend
    WHERE org_id = {scope_org:String} AND currency = {currency:String}
      AND slot_start >= {from:DateTime64(3, 'UTC')} AND slot_start < {to:DateTime64(3, 'UTC')}
    GROUP BY key
)
SELECT
    if(b.key != '', b.key, s.key) AS key,
    b.opportunities AS opportunities, b.signed AS signed, b.signed_minor AS signed_minor,
    b.orders AS orders, b.cancelled AS cancelled, b.order_value_minor AS order_value_minor,
    s.spend_minor AS spend_minor,
    if(s.spend_minor > 0, round((b.signed_minor - s.spend_minor) / s.spend_minor, 4), NULL) AS signed_roi
FROM by_channel AS b
FULL OUTER JOIN spend AS s ON s.key = b.key
ORDER BY spend_minor DESC, key
