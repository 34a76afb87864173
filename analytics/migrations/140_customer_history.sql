-- Customer history (客户档案的全部记录): every event that names a customer — the ownership and
-- follow-up facts of @cc/customers (customer.*) and the sales events that carry customer_id
-- (stages, contracts, orders, tickets) — one row each, ordered by customer so a customer's
-- history is one range read. Calls and leads are joined by the customer's lead_id from `events`
-- (see customers/src/store/history.ts). `agent_id` is the rep concerned (holder, requester,
-- follow-up author), `actor` who did it.
CREATE TABLE IF NOT EXISTS customer_history
(
    org_id      LowCardinality(String),
    customer_id String,
    occurred_at DateTime64(3, 'UTC'),
    kind        LowCardinality(String),
    agent_id    String,
    actor       String,
    payload     String CODEC(ZSTD(3)),
    event_id    UUID
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (org_id, customer_id, occurred_at, event_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS customer_history_mv TO customer_history AS
SELECT
    org_id,
    JSONExtractString(payload, 'customer_id') AS customer_id,
    occurred_at,
    kind,
    if(agent_id != '', agent_id, JSONExtractString(payload, 'agent_id')) AS agent_id,
    multiIf(
        JSONExtractString(payload, 'by') != '', JSONExtractString(payload, 'by'),
        JSONExtractString(payload, 'created_by') != '', JSONExtractString(payload, 'created_by'),
        JSONExtractString(payload, 'updated_by') != '', JSONExtractString(payload, 'updated_by'),
        JSONExtractString(payload, 'decided_by') != '', JSONExtractString(payload, 'decided_by'),
        if(agent_id != '', agent_id, JSONExtractString(payload, 'agent_id'))
    ) AS actor,
    payload,
    event_id
FROM events
WHERE JSONExtractString(payload, 'customer_id') != '';
