-- Reports (agent workload, 工作量统计): per agent per UTC hour. Several materialized views
-- feed one SummingMergeTree; queries always sum with GROUP BY (parts merge lazily).
-- State time comes from agent.state_changed (previous_state held for previous_state_s
-- seconds, ending at occurred_at) and is split across the hours the interval covers, so
-- a 90-minute pause is not booked entirely in the hour it ended.
CREATE TABLE IF NOT EXISTS report_agent_hourly
(
    org_id        LowCardinality(String),
    agent_id      String,
    hour          DateTime('UTC'),
    calls         UInt64,
    talk_s        Float64,
    hold_s        Float64,
    wrap_s        Float64,
    ready_s       Float64,
    reserved_s    Float64,
    on_call_s     Float64,
    wrap_up_s     Float64,
    paused_s      Float64,
    disp_a        UInt64,
    disp_b        UInt64,
    disp_c        UInt64,
    disp_d        UInt64,
    disp_e        UInt64,
    disp_f        UInt64,
    new_customers UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (org_id, agent_id, hour);

CREATE MATERIALIZED VIEW IF NOT EXISTS report_agent_hourly_state_mv TO report_agent_hourly AS
SELECT
    org_id,
    agent_id,
    hour,
    if(prev = 'ready', secs, 0) AS ready_s,
    if(prev = 'reserved', secs, 0) AS reserved_s,
    if(prev = 'on_call', secs, 0) AS on_call_s,
    if(prev = 'wrap_up', secs, 0) AS wrap_up_s,
    if(prev = 'paused', secs, 0) AS paused_s
FROM
(
    SELECT
        org_id,
        agent_id,
        prev,
        toDateTime(h, 'UTC') AS hour,
        least(end_s, toFloat64(h + 3600)) - greatest(start_s, toFloat64(h)) AS secs
    FROM
    (
        SELECT
            org_id,
            if(agent_id != '', agent_id, JSONExtractString(payload, 'agent_id')) AS agent_id,
            JSONExtractString(payload, 'previous_state') AS prev,
            toFloat64(toUnixTimestamp64Milli(occurred_at)) / 1000 AS end_s,
            end_s - least(JSONExtractFloat(payload, 'previous_state_s'), 604800) AS start_s,
            arrayJoin(range(toUInt32(intDiv(toUInt64(start_s), 3600) * 3600),
                            toUInt32(intDiv(toUInt64(end_s), 3600) * 3600 + 1), 3600)) AS h
        FROM events
        WHERE kind = 'agent.state_changed'
    )
)
WHERE secs > 0;

CREATE MATERIALIZED VIEW IF NOT EXISTS report_agent_hourly_calls_mv TO report_agent_hourly AS
SELECT
    org_id,
    if(agent_id != '', agent_id, JSONExtractString(payload, 'agent_id')) AS agent_id,
    toStartOfHour(occurred_at) AS hour,
    toUInt64(1) AS calls,
    JSONExtractFloat(payload, 'talk_s') AS talk_s,
    JSONExtractFloat(payload, 'hold_s') AS hold_s,
    JSONExtractFloat(payload, 'wrap_s') AS wrap_s
FROM events
WHERE kind = 'call.ended' AND (agent_id != '' OR JSONExtractString(payload, 'agent_id') != '');

CREATE MATERIALIZED VIEW IF NOT EXISTS report_agent_hourly_disposition_mv TO report_agent_hourly AS
SELECT
    org_id,
    if(agent_id != '', agent_id, JSONExtractString(payload, 'agent_id')) AS agent_id,
    toStartOfHour(occurred_at) AS hour,
    toUInt64(disposition = 'A') AS disp_a,
    toUInt64(disposition = 'B') AS disp_b,
    toUInt64(disposition = 'C') AS disp_c,
    toUInt64(disposition = 'D') AS disp_d,
    toUInt64(disposition = 'E') AS disp_e,
    toUInt64(disposition = 'F') AS disp_f
FROM
(
    SELECT org_id, agent_id, occurred_at, payload, JSONExtractString(payload, 'disposition') AS disposition
    FROM events
    WHERE kind = 'call.disposition'
)
WHERE agent_id != '' OR JSONExtractString(payload, 'agent_id') != '';

-- New customers (新增客户) an agent entered: lead.created carrying the agent's id.
CREATE MATERIALIZED VIEW IF NOT EXISTS report_agent_hourly_new_customers_mv TO report_agent_hourly AS
SELECT
    org_id,
    if(agent_id != '', agent_id, JSONExtractString(payload, 'agent_id')) AS agent_id,
    toStartOfHour(occurred_at) AS hour,
    toUInt64(1) AS new_customers
FROM events
WHERE kind = 'lead.created' AND (agent_id != '' OR JSONExtractString(payload, 'agent_id') != '');

-- Latest known team of each agent (from login and state changes), for team comparison and
-- team-scoped visibility.
CREATE TABLE IF NOT EXISTS report_agent_teams
(
    org_id   LowCardinality(String),
    agent_id String,
    team_id  String,
    seen_at  DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(seen_at)
ORDER BY (org_id, agent_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS report_agent_teams_mv TO report_agent_teams AS
SELECT
    org_id,
    if(agent_id != '', agent_id, JSONExtractString(payload, 'agent_id')) AS agent_id,
    JSONExtractString(payload, 'team_id') AS team_id,
    occurred_at AS seen_at
FROM events
WHERE kind IN ('agent.login', 'agent.state_changed') AND JSONExtractString(payload, 'team_id') != '';
