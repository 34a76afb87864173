// The knowledge base through events into the embedded ClickHouse host: latest save wins,
// deletions hide, search finds Chinese text by bigrams and ranks title hits first.
import { insertEvents, migrate } from "@cc/analytics";
import { type ClickHouseHost, startClickHouseHost } from "@cc/infra";
import { type ClickHouseClient, createClient } from "@clickhouse/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../records/types.ts";
import { deleteArticle, KnowledgeError, listArticles, saveArticle, searchArticles } from "./knowledge.ts";

let host: ClickHouseHost;
let writer: ClickHouseClient;
const ORG = "acme-kb";
const mgr: Actor = { userId: "mgr-1", role: "manager", teamIds: ["t"], orgId: ORG };
const t0 = Date.parse("2026-06-01T02:00:00.000Z");

beforeAll(async () => {
  host = await startClickHouseHost();
  writer = createClient({ url: host.url, ...host.writer });
  await migrate(writer);
  const events = [
    saveArticle(
      mgr,
      {
        article_id: "price",
        category: "price_list",
        lang: "zh-CN",
        title: "价格表",
        body: "企业版每年两万元，政企客户可申请折扣。",
      },
      t0,
    ),
    saveArticle(
      mgr,
      {
        article_id: "no-time",
        category: "script",
        lang: "zh-CN",
        title: "异议处理：没时间",
        body: "理解您很忙，我可以先给您发一条短信。",
        tags: "异议，没时间",
      },
      t0,
    ),
    saveArticle(
      mgr,
      {
        article_id: "busy",
        category: "faq",
        lang: "zh-CN",
        title: "客户说很忙",
        body: "先约时间，别硬推。没有时间就改天。",
      },
      t0,
    ),
    saveArticle(
      mgr,
      {
        article_id: "spring-offer",
        campaign_id: "spring",
        category: "script",
        lang: "zh-CN",
        title: "春季优惠",
        body: "三月底前签约享受九折价格。",
      },
      t0,
    ),
    saveArticle(
      mgr,
      {
        article_id: "en-price",
        category: "price_list",
        lang: "en",
        title: "Price list",
        body: "Enterprise edition: 20,000 CNY per year.",
      },
      t0,
    ),
    saveArticle(
      mgr,
      { article_id: "old", category: "policy", lang: "zh-CN", title: "旧政策", body: "已作废的退款政策" },
      t0,
    ),
    // Edited later: the new title replaces the old one.
    saveArticle(
      mgr,
      {
        article_id: "price",
        category: "price_list",
        lang: "zh-CN",
        title: "价格表（2026）",
        body: "企业版每年两万元，政企客户可申请折扣。",
      },
      t0 + 60_000,
    ),
    deleteArticle(mgr, "old", t0 + 60_000),
  ];
  await insertEvents(writer, events);
});

afterAll(async () => {
  await writer?.close();
  await host?.stop();
});

describe("knowledge base", () => {
  it("refuses edits from an agent", () => {
    const agent: Actor = { userId: "a", agentId: "a", role: "agent", teamIds: [], orgId: ORG };
    expect(() =>
      saveArticle(agent, { article_id: "x", category: "faq", lang: "en", title: "t", body: "b" }),
    ).toThrow(KnowledgeError);
  });

  it("lists the latest version, hides deleted articles, campaign articles first", async () => {
    const spring = await listArticles(writer, ORG, { campaign: "spring", lang: "zh-CN" });
    expect(spring.map((a) => a.article_id)).toEqual(["spring-offer", "no-time", "busy", "price"]);
    expect(spring.find((a) => a.article_id === "price")?.title).toBe("价格表（2026）");
    const other = await listArticles(writer, ORG, { campaign: "autumn" });
    expect(other.map((a) => a.article_id)).not.toContain("spring-offer");
  });

  it("finds Chinese text by bigrams, title hits first", async () => {
    const r = await searchArticles(writer, ORG, { q: "没时间" });
    expect(r.keys).toEqual(["没时", "时间"]);
    expect(r.hits.map((h) => h.article_id)).toEqual(["no-time", "busy"]);
    const question = await searchArticles(writer, ORG, { q: "客户说没时间怎么办" });
    expect(question.hits.map((h) => h.article_id).sort()).toEqual(["busy", "no-time"]);
    const price = await searchArticles(writer, ORG, { q: "政企折扣" });
    expect(price.hits.map((h) => h.article_id)).toEqual(["price"]);
  });

  it("searches Latin words and filters by language and campaign", async () => {
    const en = await searchArticles(writer, ORG, { q: "enterprise price", lang: "en" });
    expect(en.hits.map((h) => h.article_id)).toEqual(["en-price"]);
    const outside = await searchArticles(writer, ORG, { q: "九折", campaign: "autumn" });
    expect(outside.hits).toEqual([]);
    const inside = await searchArticles(writer, ORG, { q: "九折", campaign: "spring" });
    expect(inside.hits.map((h) => h.article_id)).toEqual(["spring-offer"]);
    expect((await searchArticles(writer, ORG, { q: "退款" })).hits).toEqual([]);
  });
});
