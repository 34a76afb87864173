import { type Article, type Hit, listArticles, searchArticles } from "@cc/customers";
import type { Lang } from "../i18n.ts";
import { clickhouse } from "./clickhouse.ts";
import { log } from "./log.ts";

/** What the agent console shows beside the call: the campaign's scripts and a search. */
export interface ConsoleKnowledge {
  articles: Article[];
  query: string;
  hits: Hit[] | null;
}

/**
 * The knowledge base for the call's campaign (its own articles, then the org-wide ones) in the
 * agent's language, and the hits for `query` across every language. Editors keep it at
 * /knowledge; a failing ClickHouse must not take the console down, so errors show an empty panel.
 */
export async function consoleKnowledge(
  org: string,
  campaign: string,
  lang: Lang,
  query: string | null,
): Promise<ConsoleKnowledge> {
  const q = (query ?? "").trim().slice(0, 200);
  const camp = /^[A-Za-z0-9_-]{1,64}$/.test(campaign) ? campaign : "";
  try {
    const ch = clickhouse();
    const [articles, search] = await Promise.all([
      listArticles(ch, org, { campaign: camp, lang, limit: 50 }),
      q ? searchArticles(ch, org, { q, campaign: camp, limit: 10 }) : null,
    ]);
    return { articles, query: q, hits: search?.hits ?? null };
  } catch (err) {
    log.warn({ err, org }, "knowledge base unavailable in the console");
    return { articles: [], query: q, hits: q ? [] : null };
  }
}
