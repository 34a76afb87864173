-- Orders as they stand (订单查询): the latest total after modifications, cancelled or not,
-- whether the rep held the customer at order time. Newest first; own / teams / all.
SELECT
    order_id,
    argMinIf(customer_id, ts, kind = 'order.created') AS customer_id,
    argMinIf(lead_id, ts, kind = 'order.created') AS lead_id,
    argMinIf(agent_id, ts, kind = 'order.created') AS agent_id,
    toString(minIf(ts, kind = 'order.created')) AS created_at,
    argMaxIf(amount_minor, ts, kind IN ('order.created', 'order.modified')) AS total_minor,
    countIf(kind = 'order.modified') AS modifications,
    countIf(kind = 'order.cancelled') > 0 AS cancelled,
    argMinIf(held_by_agent, ts, kind = 'order.created') AS held_by_agent
FROM sales_facts
WHERE org_id = {scope_org:String} AND kind IN ('order.created', 'order.modified', 'order.cancelled')
GROUP BY order_id
HAVING countIf(kind = 'order.created') > 0
   AND ({restricted:UInt8} = 0
        OR agent_id IN {scope_agents:Array(String)}
        OR agent_id IN (SELECT agent_id FROM (SELECT agent_id, argMax(team_id, seen_at) AS team_id
                        FROM report_agent_teams WHERE org_id = {scope_org:String} GROUP BY agent_id)
                        WHERE team_id IN {scope_teams:Array(String)}))
ORDER BY created_at DESC, order_id
LIMIT 200
