-- Churn warning 2 (消费下降): the customer's payments in the last full month (in {tz}) fell
-- below (1 − {drop_ratio}) × the average month of the {baseline_months} months before it, and
-- that average was at least {min_baseline_minor}. Enterprise customers = those with a contract.
-- Owner = the rep on the customer's latest pipeline fact.
WITH
    toStartOfMonth({today:Date}) AS this_month,
    this_month - toIntervalMonth(1) AS last_month,
    last_month - toIntervalMonth({baseline_months:UInt8}) AS base_start,
owners AS (
    SELECT customer_id, argMax(agent_id, ts) AS owner_id
    FROM sales_facts
    WHERE org_id = {scope_org:String} AND agent_id != ''
    GROUP BY customer_id
),
spend AS (
    SELECT
        customer_id,
        sumIf(amount_minor, toStartOfMonth(toDate(ts, {tz:String})) = last_month) AS last_month_minor,
        sumIf(amount_minor, toDate(ts, {tz:String}) >= base_start AND toDate(ts, {tz:String}) < last_month)
            / {baseline_months:UInt8} AS baseline_avg_minor
    FROM sales_facts
    WHERE org_id = {scope_org:String} AND kind = 'payment.received' AND currency = {currency:String}
      AND ts >= toDateTime64(base_start, 3, 'UTC') - toIntervalDay(1)
      AND ts < toDateTime64(this_month, 3, 'UTC') + toIntervalDay(1)
    GROUP BY customer_id
)
SELECT
    s.customer_id AS customer_id,
    o.owner_id AS agent_id,
    toString(last_month) AS month,
    s.last_month_minor AS last_month_minor,
    toInt64(round(s.baseline_avg_minor)) AS baseline_avg_minor,
    round(1 - s.last_month_minor / s.baseline_avg_minor, 4) AS drop_ratio
FROM spend AS s
LEFT JOIN owners AS o ON o.customer_id = s.customer_id
WHERE s.baseline_avg_minor >= {min_baseline_minor:Int64}
  AND s.last_month_minor < s.baseline_avg_minor * (1 - {drop_ratio:Float64})
  AND s.customer_id IN (SELECT customer_id FROM sales_facts
                        WHERE org_id = {scope_org:String} AND kind = 'contract.submitted')
  AND ({restricted:UInt8} = 0
       OR o.owner_id IN {scope_agents:Array(String)}
       OR o.owner_id IN (SELECT agent_id FROM (SELECT agent_id, argMax(team_id, seen_at) AS team_id
                         FROM report_agent_teams WHERE org_id = {scope_org:String} GROUP BY agent_id)
                         WHERE team_id IN {scope_teams:Array(String)}))
ORDER BY drop_ratio DESC, customer_id
