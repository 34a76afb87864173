-- Sales forecast (销售预测) per rep and team: the latest stage of every opportunity as of
-- {as_of}; open ones (not signed, not lost) contribute expected amount × win probability.
-- Team = the team named on the stage change, else the rep's latest team (report_agent_teams).
-- Visibility: {restricted} = 0 sees the org; otherwise listed agents ∪ agents of listed teams.
WITH latest AS (
    SELECT
        opportunity_id,
        argMax(stage, (ts, event_id)) AS stage,
        argMax(win_probability, (ts, event_id)) AS win_probability,
        argMax(amount_minor, (ts, event_id)) AS expected_minor,
        argMax(agent_id, (ts, event_id)) AS agent_id,
        argMax(team_id, (ts, event_id)) AS named_team
    FROM sales_facts
    WHERE org_id = {scope_org:String}
      AND kind = 'opportunity.stage_changed'
      AND ts < {as_of:DateTime64(3, 'UTC')}
      AND currency = {currency:String}
    GROUP BY opportunity_id
),
teams AS (
    SELECT agent_id, argMax(team_id, seen_at) AS team_id
    FROM report_agent_teams
    WHERE org_id = {scope_org:String}
    GROUP BY agent_id
),
placed AS (
    SELECT l.*, if(l.named_team != '', l.named_team, t.team_id) AS team_id
    FROM latest AS l
    LEFT JOIN teams AS t ON t.agent_id = l.agent_id
)
SELECT
    team_id,
    agent_id,
    countIf(stage NOT IN ('signed', 'lost')) AS open_opportunities,
    sumIf(expected_minor, stage NOT IN ('signed', 'lost')) AS pipeline_minor,
    toInt64(round(sumIf(expected_minor * win_probability, stage NOT IN ('signed', 'lost')))) AS forecast_minor,
    countIf(stage = 'signed') AS won_opportunities,
    sumIf(expected_minor, stage = 'signed') AS won_minor
FROM placed
WHERE {restricted:UInt8} = 0
   OR agent_id IN {scope_agents:Array(String)}
   OR team_id IN {scope_teams:Array(String)}
GROUP BY team_id, agent_id
ORDER BY team_id, forecast_minor DESC, agent_id
