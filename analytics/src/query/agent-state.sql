-- Seconds each agent spent in each state over the 1-minute buckets overlapping a window.
SELECT
    agent_id,
    state,
    sum(seconds) AS seconds,
    sum(exits)   AS exits
FROM agent_state_1m
WHERE ({org_id:String} = '' OR org_id = {org_id:String})
  AND ({agent_id:String} = '' OR agent_id = {agent_id:String})
  AND ({campaign_id:String} = '' OR campaign_id = {campaign_id:String})
  AND bucket >= toDateTime({from_s:UInt32}, 'UTC')
  AND bucket <= toDateTime({to_s:UInt32}, 'UTC')
GROUP BY agent_id, state
ORDER BY agent_id, state
