import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import { levelsFor, previousPeriodDay, renderReport } from "./report-exports.ts";

const row = (key: string, calls: number, value: number) => ({
  key,
  calls,
  talk_s: 60,
  interested: 1,
  new_customers: 0,
  orders: 1,
  order_value_minor: value,
  unheld_orders: 0,
  cancelled_orders: 0,
  revenue_minor: 0,
  stage_moves: 2,
  won_minor: 0,
  contracts_approved: 0,
  complaints: 0,
});

describe("management report files", () => {
  it("opens each level only to the roles above it", () => {
    expect(levelsFor("agent")).toEqual(["agent"]);
    expect(levelsFor("manager")).toEqual(["agent", "manager"]);
    expect(levelsFor("director")).toEqual(["agent", "manager", "director"]);
  });

  it("schedules the period that just ended", () => {
    expect(previousPeriodDay("daily", "2026-03-01")).toBe("2026-02-28");
    expect(previousPeriodDay("weekly", "2026-03-02")).toBe("2026-02-23");
    expect(previousPeriodDay("monthly", "2026-01-15")).toBe("2025-12-01");
  });

  it("writes CSV with localized headers, yuan amounts and escaped formulas", async () => {
    const csv = (
      await renderReport("csv", "zh-CN", "t", [row("=cmd()", 3, 12_345)], row("total", 3, 12_345))
    ).toString("utf8");
    const lines = csv
      .replace(/^\uFEFF/, "")
      .trim()
      .split(/\r?\n/);
    expect(lines[0]?.split(",").slice(0, 3)).toEqual(["项目", "通话数", "通话秒数"]);
    expect(lines[1]?.split(",")[0]).toMatch(/^"?'=cmd\(\)/);
    expect(lines[2]?.split(",")[6]).toBe("123.45");
  });

  it("writes an XLSX workbook with a bold total row", async () => {
    const buf = await renderReport(
      "xlsx",
      "en",
      "director-weekly",
      [row("team-a", 5, 100)],
      row("total", 5, 100),
    );
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(buf as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    expect(ws.name).toBe("director-weekly");
    expect(ws.getRow(1).values).toContain("Order value");
    expect(ws.getRow(3).getCell(1).value).toBe("total");
    expect(ws.getRow(3).font?.bold).toBe(true);
  });
});
