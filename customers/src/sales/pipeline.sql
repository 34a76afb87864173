-- Pipeline funnel (销售漏斗): opportunities that entered the pipeline in [{from}, {to}) and
-- how many reached each stage (stages are ordered; an opportunity at stage k also passed
-- 1..k−1; `lost` keeps the furthest stage reached before). Per rep or for everyone.
SELECT
    if({by_agent:UInt8} = 1, agent_id, 'all') AS key,
    count() AS opportunities,
    sumForEach(arrayMap(i -> toUInt64(furthest >= i), range(1, length({stages:Array(String)}) + 1))) AS reached,
    countIf(lost) AS lost
FROM (
    SELECT
        opportunity_id,
        argMax(agent_id, (ts, event_id)) AS agent_id,
        max(indexOf({stages:Array(String)}, stage)) AS furthest,
        argMax(stage, (ts, event_id)) = 'lost' AS lost
    FROM sales_facts
    WHERE org_id = {scope_org:String}
      AND kind = 'opportunity.stage_changed'
      AND ts < {to:DateTime64(3, 'UTC')}
    GROUP BY opportunity_id
    HAVING min(ts) >= {from:DateTime64(3, 'UTC')}
)
WHERE {restricted:UInt8} = 0
   OR agent_id IN {scope_agents:Array(String)}
   OR agent_id IN (SELECT agent_id FROM (SELECT agent_id, argMax(team_id, seen_at) AS team_id
                   FROM report_agent_teams WHERE org_id = {scope_org:String} GROUP BY agent_id)
                   WHERE team_id IN {scope_teams:Array(String)})
GROUP BY key
ORDER BY opportunities DESC, key
