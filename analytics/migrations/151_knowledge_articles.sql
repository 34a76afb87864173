-- Knowledge base and call scripts (话术库, issue 11): the latest save of each article, built
-- from knowledge.article_saved / article_deleted events (the log stays the source of truth).
-- Search matches character bigrams, which works for Chinese without a word segmenter:
-- `search_text` is the lower-cased title + body + tags, and the ngrambf_v1(2) skip index lets
-- multiSearchAnyUTF8 over the query's bigrams skip granules that cannot match.
CREATE TABLE IF NOT EXISTS knowledge_articles
(
    org_id      LowCardinality(String),
    article_id  String,
    version     DateTime64(3, 'UTC'),
    deleted     UInt8,
    campaign_id String,
    category    LowCardinality(String),
    lang        LowCardinality(String),
    title       String,
    body        String,
    tags        Array(String),
    author_id   String,
    search_text String,
    INDEX idx_search search_text TYPE ngrambf_v1(2, 65536, 3, 0) GRANULARITY 1
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (org_id, article_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS knowledge_articles_mv TO knowledge_articles AS
SELECT
    org_id,
    JSONExtractString(payload, 'article_id') AS article_id,
    occurred_at AS version,
    toUInt8(kind = 'knowledge.article_deleted') AS deleted,
    if(campaign_id != '', campaign_id, JSONExtractString(payload, 'campaign_id')) AS campaign_id,
    JSONExtractString(payload, 'category') AS category,
    JSONExtractString(payload, 'lang') AS lang,
    JSONExtractString(payload, 'title') AS title,
    JSONExtractString(payload, 'body') AS body,
    JSONExtract(payload, 'tags', 'Array(String)') AS tags,
    JSONExtractString(payload, 'author_id') AS author_id,
    lowerUTF8(concat(JSONExtractString(payload, 'title'), '\n', JSONExtractString(payload, 'body'), '\n',
                     arrayStringConcat(JSONExtract(payload, 'tags', 'Array(String)'), ' '))) AS search_text
FROM events
WHERE kind IN ('knowledge.article_saved', 'knowledge.article_deleted');
