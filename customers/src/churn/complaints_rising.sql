-- Churn warning 3 (投诉上升): complaint tickets opened in the last {window_days} days before
-- {now} are at least {min_complaints} and more than in the window before that. The average
-- satisfaction score of the customer's tickets in the recent window is shown beside them.
-- Enterprise customers = those with a contract. Owner = rep on the latest pipeline fact.
WITH
    {now:DateTime64(3, 'UTC')} - toIntervalDay({window_days:UInt16}) AS recent_start,
    recent_start - toIntervalDay({window_days:UInt16}) AS previous_start,
owners AS (
    SELECT customer_id, argMax(agent_id, ts) AS owner_id
    FROM sales_facts
    WHERE org_id = {scope_org:String} AND agent_id != ''
    GROUP BY customer_id
),
tickets AS (
    SELECT
        customer_id,
        countIf(kind = 'ticket.opened' AND category = 'complaint' AND ts >= recent_start) AS recent,
        countIf(kind = 'ticket.opened' AND category = 'complaint' AND ts < recent_start) AS previous,
        avgIf(score, kind = 'ticket.satisfaction_recorded' AND ts >= recent_start) AS satisfaction
    FROM sales_facts
    WHERE org_id = {scope_org:String}
      AND kind IN ('ticket.opened', 'ticket.satisfaction_recorded')
      AND ts >= previous_start AND ts < {now:DateTime64(3, 'UTC')}
    GROUP BY customer_id
)
SELECT
    t.customer_id AS customer_id,
    o.owner_id AS agent_id,
    t.recent AS recent_complaints,
    t.previous AS previous_complaints,
    if(isNaN(t.satisfaction), NULL, round(t.satisfaction, 2)) AS satisfaction
FROM tickets AS t
LEFT JOIN owners AS o ON o.customer_id = t.customer_id
WHERE t.recent >= {min_complaints:UInt32} AND t.recent > t.previous
  AND t.customer_id IN (SELECT customer_id FROM sales_facts
                        WHERE org_id = {scope_org:String} AND kind = 'contract.submitted')
  AND ({restricted:UInt8} = 0
       OR o.owner_id IN {scope_agents:Array(String)}
       OR o.owner_id IN (SELECT agent_id FROM (SELECT agent_id, argMax(team_id, seen_at) AS team_id
                         FROM report_agent_teams WHERE org_id = {scope_org:String} GROUP BY agent_id)
                         WHERE team_id IN {scope_teams:Array(String)}))
ORDER BY t.recent - t.previous DESC, customer_id
