-- Reports per management level (日报/周报/月报): calls and talk time (report_agent_hourly),
-- orders, revenue, pipeline moves, contracts and complaints (sales_facts) for the calendar days
-- [{from_day}, {to_day}) in {tz}, grouped by {group}: 'agent', 'team' or 'day'.
-- unheld_orders = orders from customers the rep did not hold (not credited as performance).
WITH
teams AS (
    SELECT agent_id, argMax(team_id, seen_at) AS team_id
    FROM report_agent_teams WHERE org_id = {scope_org:String} GROUP BY agent_id
),
work AS (
    SELECT agent_id, toDate(hour, {tz:String}) AS day,
        sum(calls) AS calls, sum(talk_s) AS talk_s, sum(disp_a) + sum(disp_b) AS interested,
        sum(new_customers) AS new_customers
    FROM report_agent_hourly
    WHERE org_id = {scope_org:String}
      AND hour >= toDateTime({from_day:Date}, 'UTC') - toIntervalDay(1)
      AND hour < toDateTime({to_day:Date}, 'UTC') + toIntervalDay(1)
    GROUP BY agent_id, day
),
sales AS (
    SELECT agent_id, toDate(ts, {tz:String}) AS day,
        countIf(kind = 'order.created') AS orders,
        sumIf(amount_minor, kind = 'order.created') AS order_value_minor,
        countIf(kind = 'order.created' AND held_by_agent = 0) AS unheld_orders,
        countIf(kind = 'order.cancelled') AS cancelled_orders,
        sumIf(amount_minor, kind = 'payment.received') AS revenue_minor,
        countIf(kind = 'opportunity.stage_changed') AS stage_moves,
        sumIf(amount_minor, kind = 'opportunity.stage_changed' AND stage = 'signed') AS won_minor,
        countIf(kind = 'contract.approved') AS contracts_approved,
        countIf(kind = 'ticket.opened' AND category = 'complaint') AS complaints
    FROM sales_facts
    WHERE org_id = {scope_org:String} AND agent_id != ''
      AND ts >= toDateTime64({from_day:Date}, 3, 'UTC') - toIntervalDay(1)
      AND ts < toDateTime64({to_day:Date}, 3, 'UTC') + toIntervalDay(1)
      AND currency IN ('', {currency:String})
    GROUP BY agent_id, day
),
facts AS (
    SELECT agent_id, day, calls, talk_s, interested, new_customers,
        0 AS orders, 0 AS order_value_minor, 0 AS unheld_orders, 0 AS cancelled_orders, 0 AS revenue_minor,
        0 AS stage_moves, 0 AS won_minor, 0 AS contracts_approved, 0 AS complaints
    FROM work
    UNION ALL
    SELECT agent_id, day, 0, 0, 0, 0, orders, order_value_minor, unheld_orders, cancelled_orders, revenue_minor,
        stage_moves, won_minor, contracts_approved, complaints
    FROM sales
)
SELECT
    multiIf({group:String} = 'team', if(t.team_id = '', '(none)', t.team_id),
            {group:String} = 'day', toString(f.day),
            f.agent_id) AS key,
    toUInt64(sum(f.calls)) AS calls,
    round(sum(f.talk_s)) AS talk_s,
    toUInt64(sum(f.interested)) AS interested,
    toUInt64(sum(f.new_customers)) AS new_customers,
    toUInt64(sum(f.orders)) AS orders,
    toInt64(sum(f.order_value_minor)) AS order_value_minor,
    toUInt64(sum(f.unheld_orders)) AS unheld_orders,
    toUInt64(sum(f.cancelled_orders)) AS cancelled_orders,
    toInt64(sum(f.revenue_minor)) AS revenue_minor,
    toUInt64(sum(f.stage_moves)) AS stage_moves,
    toInt64(sum(f.won_minor)) AS won_minor,
    toUInt64(sum(f.contracts_approved)) AS contracts_approved,
    toUInt64(sum(f.complaints)) AS complaints
FROM facts AS f
LEFT JOIN teams AS t ON t.agent_id = f.agent_id
WHERE f.day >= {from_day:Date} AND f.day < {to_day:Date}
  AND ({restricted:UInt8} = 0
       OR f.agent_id IN {scope_agents:Array(String)}
       OR t.team_id IN {scope_teams:Array(String)})
GROUP BY key
ORDER BY key
