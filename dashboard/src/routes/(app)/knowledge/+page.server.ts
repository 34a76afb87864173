import {
  ArticleInput,
  deleteArticle,
  KnowledgeError,
  listArticles,
  STARTER_ARTICLES,
  saveArticle,
  searchArticles,
} from "@cc/customers";
import { fail } from "@sveltejs/kit";
import { z } from "zod";
import { requireArea } from "#lib/server/auth/guard.ts";
import { clickhouse } from "#lib/server/clickhouse.ts";
import { actorFor } from "#lib/server/customers-actor.ts";
import { log } from "#lib/server/log.ts";
import { redis } from "#lib/server/redis.ts";
import { publishBuilt } from "#lib/server/sales.ts";
import type { Actions, PageServerLoad } from "./$types";

const Query = z.object({
  q: z.string().trim().max(200).default(""),
  campaign: z.union([z.string().regex(/^[A-Za-z0-9_-]{1,64}$/), z.literal("")]).default(""),
  edit: z.string().max(64).default(""),
});

/** The knowledge base editor (话术库): managers and directors of the org. */
export const load = (async ({ locals, url }) => {
  const user = requireArea(locals, "knowledge");
  const q = Query.parse(Object.fromEntries(url.searchParams));
  const ch = clickhouse();
  const [articles, search] = await Promise.all([
    listArticles(ch, user.org, { campaign: q.campaign }),
    q.q ? searchArticles(ch, user.org, { q: q.q, campaign: q.campaign }) : null,
  ]);
  return {
    filters: q,
    articles,
    search,
    editing: articles.find((a) => a.article_id === q.edit) ?? null,
    saved: url.searchParams.get("saved") ?? "",
  };
}) satisfies PageServerLoad;

function issues(err: z.ZodError) {
  return Object.fromEntries(err.issues.map((i) => [i.path.map(String).join(".") || "(form)", i.message]));
}

export const actions = {
  save: async ({ request, locals }) => {
    const user = requireArea(locals, "knowledge");
    const form = Object.fromEntries(await request.formData());
    const p = ArticleInput.safeParse({
      ...form,
      article_id: String(form.article_id ?? "").trim() || `kb-${crypto.randomUUID().slice(0, 8)}`,
    });
    if (!p.success) return fail(400, { issues: issues(p.error), values: form });
    try {
      const e = saveArticle(await actorFor(await redis(), user), p.data);
      await publishBuilt(e);
      log.info({ user: user.username, article: p.data.article_id, event: e.id }, "knowledge article saved");
      return { saved: p.data.article_id };
    } catch (err) {
      if (err instanceof KnowledgeError) return fail(403, { issues: { "(form)": err.message } });
      throw err;
    }
  },
  delete: async ({ request, locals }) => {
    const user = requireArea(locals, "knowledge");
    const id = z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/)
      .safeParse((await request.formData()).get("article_id"));
    if (!id.success) return fail(400, { issues: { article_id: id.error.issues[0]?.message ?? "bad id" } });
    await publishBuilt(deleteArticle(await actorFor(await redis(), user), id.data));
    return { deleted: id.data };
  },
  /** Loads the starter scripts (the console's former built-in four, both languages). */
  starters: async ({ locals }) => {
    const user = requireArea(locals, "knowledge");
    const actor = await actorFor(await redis(), user);
    for (const a of STARTER_ARTICLES) await publishBuilt(saveArticle(actor, a));
    return { starters: STARTER_ARTICLES.length };
  },
} satisfies Actions;
