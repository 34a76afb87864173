import { describe, expect, it } from "vitest";
import { minMatches, searchKeys } from "./tokens.ts";

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

  it("asks for half of the keys, at least one", () => {
    expect(minMatches(["a"])).toBe(1);
    expect(minMatches(["a", "b", "c"])).toBe(2);
  });
});
