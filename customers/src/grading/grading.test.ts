import { describe, expect, it } from "vitest";
import { checkFields } from "../records/fields.ts";
import { bigrams, nameCompanyKey } from "../search/bigrams.ts";
import { CustomerSearchIndex } from "../search/index.ts";
import { DEFAULT_ORDER_GRADE_RULES, gradeByOrders, nextContactDay } from "./grading.ts";

describe("grading and cadence", () => {
  it("A daily, B weekly, C every 15 days, D monthly, E yearly", () => {
    expect(nextContactDay("A", "2026-11-30")).toBe("2026-12-01");
    expect(nextContactDay("B", "2026-11-30")).toBe("2026-12-07");
    expect(nextContactDay("C", "2026-11-30")).toBe("2026-12-15");
    expect(nextContactDay("D", "2026-11-30")).toBe("2026-12-30");
    expect(nextContactDay("E", "2026-11-30")).toBe("2027-11-30");
  });

  it("order grades by the default rules (amounts in fen)", () => {
    expect(gradeByOrders({ orders: 6, amountMinor: 200_000_00 }, DEFAULT_ORDER_GRADE_RULES)).toBe("A");
    expect(gradeByOrders({ orders: 6, amountMinor: 100_000_00 }, DEFAULT_ORDER_GRADE_RULES)).toBe("B");
    expect(gradeByOrders({ orders: 4, amountMinor: 50_000_00 }, DEFAULT_ORDER_GRADE_RULES)).toBe("B");
    expect(gradeByOrders({ orders: 1, amountMinor: 5_000_00 }, DEFAULT_ORDER_GRADE_RULES)).toBe("C");
    expect(gradeByOrders({ orders: 0, amountMinor: 0 }, DEFAULT_ORDER_GRADE_RULES)).toBeUndefined();
    expect(
      gradeByOrders({ orders: 2, amountMinor: 1 }, [{ grade: "A", minOrders: 2, minAmountMinor: 0 }]),
    ).toBe("A");
  });

  it("required fields refuse, important ones are listed together", () => {
    const defs = [
      {
        key: "industry",
        label: { zh: "行业", en: "Industry" },
        class: "required" as const,
        type: "text" as const,
      },
      { key: "city", label: { zh: "城市", en: "City" }, class: "important" as const, type: "text" as const },
      {
        key: "budget",
        label: { zh: "预算", en: "Budget" },
        class: "important" as const,
        type: "text" as const,
      },
      { key: "memo", label: { zh: "备注", en: "Memo" }, class: "general" as const, type: "text" as const },
    ];
    expect(checkFields(defs, { industry: " " })).toEqual({
      missingRequired: ["industry"],
      missingImportant: ["city", "budget"],
    });
    expect(checkFields(defs, { industry: "制造", city: "杭州" })).toEqual({
      missingRequired: [],
      missingImportant: ["budget"],
    });
  });
});

describe("duplicate search keys", () => {
  it("bigrams of Chinese text ignore spaces, punctuation and width", () => {
    expect(bigrams("华为 技术")).toEqual(["华为", "为技", "技术"]);
    expect(bigrams("张")).toEqual(["张"]);
    expect(nameCompanyKey("张 伟", "ＡＢＣ有限公司")).toBe("张伟|abc有限公司");
  });

  it("finds a company by a fragment and ranks the closest first", () => {
    const idx = new CustomerSearchIndex();
    idx.upsert("1", "张伟", "杭州华为技术有限公司");
    idx.upsert("2", "李娜", "北京华为科技有限公司");
    idx.upsert("3", "王芳", "上海阿里巴巴网络有限公司");
    idx.upsert("4", "张伟", "深圳腾讯计算机系统有限公司");
    expect(idx.search("杭州华为技术", 5).map((h) => h.id)[0]).toBe("1");
    expect(
      idx
        .search("张伟", 5)
        .map((h) => h.id)
        .sort(),
    ).toEqual(["1", "4"]);
    idx.upsert("1", "张伟", "杭州海康威视有限公司");
    expect(idx.search("杭州华为技术", 5).map((h) => h.id)).not.toContain("1");
    idx.remove("2");
    expect(idx.search("北京华为科技", 5).map((h) => h.id)).not.toContain("2");
  });
});
