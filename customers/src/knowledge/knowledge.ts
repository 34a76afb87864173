// Knowledge base and call scripts (话术库), editable per org and campaign by managers. Saves
// and deletions are events (knowledge.article_saved / article_deleted); ClickHouse keeps the
// latest version of each article (knowledge_articles, migration 151) and answers searches.
import { type ReportClient, runReport } from "@cc/analytics";
import { type CallCenterEvent, EntityId, KnowledgeCategory, KnowledgeLang, makeEvent } from "@cc/ingest";
import { z } from "zod";
import type { Actor } from "../records/types.ts";
import { sqlFile } from "../sales/sql.ts";
import { keepBest, minMatches, searchKeys } from "./tokens.ts";

const SEARCH_SQL = sqlFile(import.meta.url, "./search.sql");
const LIST_SQL = sqlFile(import.meta.url, "./list.sql");
const EDITORS = new Set(["manager", "director", "admin"]);

export class KnowledgeError extends Error {
  override name = "KnowledgeError";
  readonly code = "NOT_EDITOR";
}

export const ArticleInput = z.object({
  article_id: EntityId,
  /** '' = every campaign of the org. */
  campaign_id: z.union([EntityId, z.literal("")]).default(""),
  category: KnowledgeCategory,
  lang: KnowledgeLang,
  title: z.string().trim().min(1).max(200),
  body: z.string().trim().min(1).max(20_000),
  tags: z
    .union([z.array(z.string()), z.string()])
    .default([])
    .transform((t) =>
      (typeof t === "string" ? t.split(/[,，、\s]+/) : t)
        .map((x) => x.trim())
        .filter(Boolean)
        .slice(0, 20),
    )
    .pipe(z.array(z.string().max(40))),
});
export type ArticleInput = z.input<typeof ArticleInput>;

function assertEditor(actor: Actor): void {
  if (!EDITORS.has(actor.role))
    throw new KnowledgeError("only managers and directors edit the knowledge base");
}

export function saveArticle(actor: Actor, input: ArticleInput, now = Date.now()): CallCenterEvent {
  assertEditor(actor);
  const a = ArticleInput.parse(input);
  const { campaign_id, ...rest } = a;
  return makeEvent(
    {
      kind: "knowledge.article_saved",
      org_id: actor.orgId,
      ...(campaign_id ? { campaign_id } : {}),
      ...rest,
      author_id: actor.userId,
    },
    now,
  );
}

export function deleteArticle(actor: Actor, articleId: string, now = Date.now()): CallCenterEvent {
  assertEditor(actor);
  return makeEvent(
    {
      kind: "knowledge.article_deleted",
      org_id: actor.orgId,
      article_id: EntityId.parse(articleId),
      author_id: actor.userId,
    },
    now,
  );
}

export const Article = z.object({
  article_id: z.string(),
  campaign_id: z.string(),
  category: KnowledgeCategory,
  lang: KnowledgeLang,
  title: z.string(),
  body: z.string(),
  tags: z.array(z.string()),
  author_id: z.string(),
  updated_at: z.string(),
});
export type Article = z.infer<typeof Article>;
export const Hit = Article.extend({ hits: z.coerce.number(), score: z.coerce.number() });
export type Hit = z.infer<typeof Hit>;

export const ListParams = z.object({
  campaign: z.union([EntityId, z.literal("")]).default(""),
  lang: z.union([KnowledgeLang, z.literal("")]).default(""),
  limit: z.number().int().min(1).max(1000).default(200),
});

/** Articles for a campaign (its own, then the org-wide ones); '' campaign = all. */
export async function listArticles(
  client: ReportClient,
  orgId: string,
  input: z.input<typeof ListParams> = {},
) {
  const p = ListParams.parse(input);
  const sql = { query: LIST_SQL, params: { org: EntityId.parse(orgId), ...p } };
  return (await runReport(client, sql, Article)).rows;
}

export const SearchParams = ListParams.extend({
  q: z.string().trim().min(1).max(200),
  limit: z.number().int().min(1).max(100).default(20),
});

/** Ranked search that works on Chinese text (bigrams) and on Latin words alike. */
export async function searchArticles(
  client: ReportClient,
  orgId: string,
  input: z.input<typeof SearchParams>,
) {
  const p = SearchParams.parse(input);
  const keys = searchKeys(p.q);
  if (keys.length === 0) return { keys, hits: [] as Hit[], sql: null };
  const sql = {
    query: SEARCH_SQL,
    params: {
      org: EntityId.parse(orgId),
      keys,
      min_hits: minMatches(keys),
      campaign: p.campaign,
      lang: p.lang,
      limit: p.limit,
    },
  };
  const res = await runReport(client, sql, Hit);
  return { keys, hits: keepBest(res.rows), sql };
}

/** Starter scripts an editor can load into an empty knowledge base (the console's old four). */
export const STARTER_ARTICLES: ArticleInput[] = [
  {
    article_id: "starter-opening-zh",
    category: "script",
    lang: "zh-CN",
    title: "开场白",
    body: "您好，我是{公司}的客户顾问，耽误您一分钟时间，想跟您介绍一下我们最新的优惠活动。",
  },
  {
    article_id: "starter-no-time-zh",
    category: "script",
    lang: "zh-CN",
    title: "异议处理：没时间",
    body: "理解您很忙，我可以先给您发一条短信/微信，您方便的时候再看，请问什么时间再联系您合适？",
    tags: ["异议", "没时间"],
  },
  {
    article_id: "starter-invite-zh",
    category: "script",
    lang: "zh-CN",
    title: "邀约",
    body: "我们本周六在门店有体验活动，您方便的话我帮您预约一个时间？",
  },
  {
    article_id: "starter-closing-zh",
    category: "script",
    lang: "zh-CN",
    title: "结束语",
    body: "感谢您的时间，祝您生活愉快，再见！",
  },
  {
    article_id: "starter-opening-en",
    category: "script",
    lang: "en",
    title: "Opening",
    body: "Hello, this is the customer advisor from {company}. May I take one minute to tell you about our latest offer?",
  },
  {
    article_id: "starter-no-time-en",
    category: "script",
    lang: "en",
    title: "Objection: no time",
    body: "I understand you are busy. May I send you an SMS/WeChat message, and when would suit you for a call back?",
    tags: ["objection"],
  },
  {
    article_id: "starter-invite-en",
    category: "script",
    lang: "en",
    title: "Invitation",
    body: "We have a hands-on event at our store this Saturday. Shall I book a time for you?",
  },
  {
    article_id: "starter-closing-en",
    category: "script",
    lang: "en",
    title: "Closing",
    body: "Thank you for your time, have a nice day. Goodbye!",
  },
];
