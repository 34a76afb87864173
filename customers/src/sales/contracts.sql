-- Contracts and their approval status (合同审批): the latest decision per contract, with the
-- submitting rep's team (for the manager's approval rights). {status} '' = every status.
WITH teams AS (
    SELECT agent_id, argMax(team_id, seen_at) AS team_id
    FROM report_agent_teams WHERE org_id = {scope_org:String} GROUP BY agent_id
)
SELECT
    c.contract_id AS contract_id,
    c.customer_id AS customer_id,
    c.agent_id AS agent_id,
    ifNull(t.team_id, '') AS team_id,
    c.amount_minor AS amount_minor,
    c.currency AS currency,
    toString(c.end_day) AS ends_on,
    toString(c.submitted_at) AS submitted_at,
    multiIf(d.decided = 'contract.approved', 'approved', d.decided = 'contract.rejected', 'rejected', 'submitted')
        AS status
FROM (
    SELECT contract_id, argMax(customer_id, ts) AS customer_id, argMax(agent_id, ts) AS agent_id,
        argMax(amount_minor, ts) AS amount_minor, argMax(currency, ts) AS currency,
        argMax(ends_on, ts) AS end_day, max(ts) AS submitted_at
    FROM sales_facts WHERE org_id = {scope_org:String} AND kind = 'contract.submitted'
    GROUP BY contract_id
) AS c
LEFT JOIN (
    SELECT contract_id, argMax(kind, ts) AS decided
    FROM sales_facts
    WHERE org_id = {scope_org:String} AND kind IN ('contract.approved', 'contract.rejected')
    GROUP BY contract_id
) AS d ON d.contract_id = c.contract_id
LEFT JOIN teams AS t ON t.agent_id = c.agent_id
WHERE ({status:String} = '' OR status = {status:String})
  AND ({restricted:UInt8} = 0
       OR c.agent_id IN {scope_agents:Array(String)}
       OR t.team_id IN {scope_teams:Array(String)})
ORDER BY c.submitted_at DESC, c.contract_id
LIMIT 500
SETTINGS join_use_nulls = 1
