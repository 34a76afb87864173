-- Churn warning 1 (合同到期): an approved contract ends within {days} days of {today} and the
-- customer has no approved contract that runs beyond that window (no renewal yet).
-- Owner = the rep on the contract. Visibility: {restricted} = 0 sees the org; otherwise the
-- owner must be a listed agent or on a listed team.
WITH approved AS (
    SELECT contract_id,
        argMax(customer_id, ts) AS customer_id,
        argMax(agent_id, ts) AS agent_id,
        argMax(ends_on, ts) AS end_day,
        argMax(amount_minor, ts) AS amount_minor,
        argMax(currency, ts) AS currency
    FROM sales_facts
    WHERE org_id = {scope_org:String} AND kind = 'contract.submitted'
      AND contract_id IN (SELECT contract_id FROM sales_facts
                          WHERE org_id = {scope_org:String} AND kind = 'contract.approved')
    GROUP BY contract_id
)
SELECT
    customer_id,
    agent_id,
    contract_id,
    toString(end_day) AS ends_on,
    dateDiff('day', {today:Date}, end_day) AS days_left,
    amount_minor,
    currency
FROM approved
WHERE end_day >= {today:Date}
  AND end_day <= {today:Date} + {days:UInt16}
  AND customer_id NOT IN (SELECT customer_id FROM approved WHERE end_day > {today:Date} + {days:UInt16})
  AND ({restricted:UInt8} = 0
       OR agent_id IN {scope_agents:Array(String)}
       OR agent_id IN (SELECT agent_id FROM (SELECT agent_id, argMax(team_id, seen_at) AS team_id
                       FROM report_agent_teams WHERE org_id = {scope_org:String} GROUP BY agent_id)
                       WHERE team_id IN {scope_teams:Array(String)}))
ORDER BY end_day, customer_id, contract_id
