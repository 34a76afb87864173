-- report_agent_hourly (migration 052) again, sorted by hour instead of by agent. 052's order
-- (org_id, agent_id, hour) serves one agent's history, but a time range — the wallboard's
-- "today per agent", the workload report's days — cannot skip anything in it: the range is
-- spread over every agent, so each read went through the whole month (500 agents × 720
-- hours = 360k rows at full size to use the last 24 of them). Here (org_id, hour, agent_id)
-- keeps a range together: today is ~12k rows for 500 agents, read in 1024-row granules.
-- Same columns, same engine: rows are partial sums until parts merge, so always read with
-- sum(...) GROUP BY, exactly like report_agent_hourly.
-- Fed by a view on report_agent_hourly itself: its rows come from four views over events,
-- and a view on a view's target table runs for each of those inserts (chained), so every row
-- lands in both tables.
CREATE TABLE IF NOT EXISTS report_agent_hours
(
    org_id        LowCardinality(String),
    hour          DateTime('UTC'),
    agent_id      String,
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
ORDER BY (org_id, hour, agent_id)
SETTINGS index_granularity = 1024;

-- Rows already in report_agent_hourly (once: an empty table only).
INSERT INTO report_agent_hours
SELECT org_id, hour, agent_id, calls, talk_s, hold_s, wrap_s, ready_s, reserved_s, on_call_s, wrap_up_s,
       paused_s, disp_a, disp_b, disp_c, disp_d, disp_e, disp_f, new_customers
FROM report_agent_hourly
WHERE (SELECT count() FROM report_agent_hours) = 0;

CREATE MATERIALIZED VIEW IF NOT EXISTS report_agent_hours_mv TO report_agent_hours AS
SELECT org_id, hour, agent_id, calls, talk_s, hold_s, wrap_s, ready_s, reserved_s, on_call_s, wrap_up_s,
       paused_s, disp_a, disp_b, disp_c, disp_d, disp_e, disp_f, new_customers
FROM report_agent_hourly;
