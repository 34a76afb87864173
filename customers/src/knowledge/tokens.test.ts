import { describe, expect, it } from "vitest";
import { keepBest, minMatches, searchKeys } from "./tokens.ts";

describe("knowledge search keys", () => {
  it("splits Chinese into character bigrams without a segmenter", () => {
    expect(searchKeys("没时间")).toEqual(["没时", "时间"]);
    expect(searchKeys("价格 政策")).toEqual(["价格", "政策"]);
  });

  it("keeps Latin words whole, lower-cased, and folds full-width forms", () => {
    expect(searchKeys("No time, SMS")).toEqual(["no", "time", "sms"]);
    expect(searchKeys("ＶＩＰ价格")).toEqual(["vip", "价格"]);
  });

  it("treats a lone Chinese character as its own key and drops punctuation", () => {
    expect(searchKeys("贵！")).toEqual(["贵"]);
    expect(searchKeys("，。！？ ")).toEqual([]);
  });

  it("asks for one key on short queries, two on whole questions, and keeps the strong hits", () => {
    expect(minMatches(["a"])).toBe(1);
    expect(minMatches(searchKeys("没时间"))).toBe(1);
    expect(minMatches(searchKeys("客户说没时间"))).toBe(2);
    expect(keepBest([{ hits: 6 }, { hits: 3 }, { hits: 2 }]).map((h) => h.hits)).toEqual([6, 3]);
    expect(keepBest([])).toEqual([]);
  });
});
