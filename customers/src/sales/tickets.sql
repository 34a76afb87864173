-- Service tickets (服务工单) and their follow-up state: open, resolved awaiting the
-- satisfaction call (回访), or closed with a score. Visibility as everywhere: own / teams / all.
SELECT
    ticket_id,
    argMinIf(customer_id, ts, kind = 'ticket.opened') AS customer_id,
    argMinIf(agent_id, ts, kind = 'ticket.opened') AS agent_id,
    argMinIf(category, ts, kind = 'ticket.opened') AS category,
    toString(minIf(ts, kind = 'ticket.opened')) AS opened_at,
    multiIf(countIf(kind = 'ticket.satisfaction_recorded') > 0, 'closed',
            countIf(kind = 'ticket.resolved') > 0, 'resolved', 'open') AS status,
    argMaxIf(score, ts, kind = 'ticket.satisfaction_recorded') AS score
FROM sales_facts
WHERE org_id = {scope_org:String} AND kind IN ('ticket.opened', 'ticket.resolved', 'ticket.satisfaction_recorded')
GROUP BY ticket_id
HAVING countIf(kind = 'ticket.opened') > 0
   AND ({status:String} = '' OR status = {status:String})
   AND ({restricted:UInt8} = 0
        OR agent_id IN {scope_agents:Array(String)}
        OR agent_id IN (SELECT agent_id FROM (SELECT agent_id, argMax(team_id, seen_at) AS team_id
                        FROM report_agent_teams WHERE org_id = {scope_org:String} GROUP BY agent_id)
                        WHERE team_id IN {scope_teams:Array(String)}))
ORDER BY opened_at DESC, ticket_id
LIMIT 200
