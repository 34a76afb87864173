-- The DNC list and blacklist as audited data, and every refusal to dial (issue 9).
-- number_list_changes: who added, removed or imported which numbers (dnc.added / dnc.removed /
-- dnc.imported; an import is one row with its totals, phone empty).
-- dial_refusals: every lead the dialing list closed (pacing.lead_refused) and every command the
-- media service refused right before the INVITE (call.blocked), with the stage that refused it.
CREATE VIEW IF NOT EXISTS number_list_changes AS
SELECT event_id, org_id, occurred_at, kind,
       JSONExtractString(payload, 'list') AS list,
       JSONExtractString(payload, 'phone') AS phone,
       JSONExtractString(payload, 'by') AS by,
       JSONExtractString(payload, 'note') AS note,
       JSONExtractString(payload, 'import_id') AS import_id,
       JSONExtractString(payload, 'file_name') AS file_name,
       JSONExtractUInt(payload, 'lines') AS lines,
       JSONExtractUInt(payload, 'added') AS added,
       JSONExtractUInt(payload, 'already_listed') AS already_listed,
       JSONExtractUInt(payload, 'rejected') AS rejected
FROM events WHERE kind IN ('dnc.added', 'dnc.removed', 'dnc.imported');

CREATE VIEW IF NOT EXISTS dial_refusals AS
SELECT event_id, org_id, occurred_at, campaign_id, lead_id, attempt_id,
       if(kind = 'call.blocked', 'media', 'pacing') AS stage,
       JSONExtractString(payload, 'reason') AS reason,
       JSONExtractString(payload, 'phone') AS phone
FROM events WHERE kind IN ('pacing.lead_refused', 'call.blocked');
