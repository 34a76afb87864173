-- Live rates for one campaign over the 10-second buckets overlapping a window.
-- Reads only live_rates_10s (migration 061: campaign_stats_10s in small granules), never the
-- raw events.
SELECT
    sum(attempts)       AS attempts,
    sum(answered)       AS answered,
    sum(human_answered) AS human_answered,
    sum(machine)        AS machine,
    sum(abandoned)      AS abandoned,
    sum(bridged)        AS bridged,
    sum(talked)         AS talked,
    sum(talk_s)         AS talk_s,
    sum(wrapped)        AS wrapped,
    sum(wrap_s)         AS wrap_s,
    quantilesMerge(0.5, 0.9, 0.95)(time_to_answer) AS time_to_answer
FROM live_rates_10s
WHERE campaign_id = {campaign_id:String}
  AND ({org_id:String} = '' OR org_id = {org_id:String})
  AND bucket >= toDateTime({from_s:UInt32}, 'UTC')
  AND bucket <= toDateTime({to_s:UInt32}, 'UTC')
