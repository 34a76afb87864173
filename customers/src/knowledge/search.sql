-- Knowledge search (话术/知识库检索): articles of the org (this campaign's and the org-wide
-- ones) whose text holds at least {min_hits} of the query's keys (CJK bigrams, Latin words).
-- multiSearchAnyUTF8 is the pre-filter the ngrambf_v1 index on search_text can serve; the
-- score counts keys in the text plus keys in the title (a title hit ranks first).
SELECT
    article_id, campaign_id, category, lang, title, body, tags, author_id,
    toString(version) AS updated_at,
    arrayCount(k -> position(search_text, k) > 0, {keys:Array(String)}) AS hits,
    hits + arrayCount(k -> position(lowerUTF8(title), k) > 0, {keys:Array(String)}) AS score
FROM knowledge_articles FINAL
WHERE org_id = {org:String}
  AND deleted = 0
  AND multiSearchAnyUTF8(search_text, {keys:Array(String)})
  AND ({campaign:String} = '' OR campaign_id IN ('', {campaign:String}))
  AND ({lang:String} = '' OR lang = {lang:String})
  AND hits >= {min_hits:UInt32}
ORDER BY score DESC, updated_at DESC, article_id
LIMIT {limit:UInt32}
