-- The latest stage of one opportunity and its rep (to refuse moving a closed one).
SELECT argMax(stage, (ts, event_id)) AS stage, argMax(agent_id, (ts, event_id)) AS agent_id
FROM sales_facts
WHERE org_id = {scope_org:String} AND kind = 'opportunity.stage_changed' AND opportunity_id = {opportunity:String}
HAVING count() > 0
