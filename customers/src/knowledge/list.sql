-- The knowledge base as the console and the editor show it: the campaign's own articles
-- before the org-wide ones (campaign_id = ''), scripts first. {campaign} '' = every article.
SELECT
    article_id, campaign_id, category, lang, title, body, tags, author_id,
    toString(version) AS updated_at
FROM knowledge_articles FINAL
WHERE org_id = {org:String}
  AND deleted = 0
  AND ({campaign:String} = '' OR campaign_id IN ('', {campaign:String}))
  AND ({lang:String} = '' OR lang = {lang:String})
ORDER BY campaign_id = '', category != 'script', category, title, article_id
LIMIT {limit:UInt32}
