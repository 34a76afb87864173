import Papa from "papaparse";
import { describe, expect, it } from "vitest";
import { toCsv } from "./csv.ts";

/** The cells as a spreadsheet would read them back. */
function cells(csv: string): string[][] {
  expect(csv.startsWith("\uFEFF")).toBe(true);
  return Papa.parse<string[]>(csv.slice(1).trimEnd()).data;
}

describe("CSV exports", () => {
  it("prefixes every formula-looking text cell with an apostrophe", () => {
    const evil = [
      '=HYPERLINK("http://x")',
      "+1+cmd|' /C calc'!A0",
      "-2+3",
      "@SUM(A1)",
      "\t=1",
      "\r=1",
      "=a\n=b",
    ];
    const out = cells(toCsv(evil.map((name) => ({ name }))));
    expect(out[0]).toEqual(["name"]);
    expect(out.slice(1).map((r) => r[0])).toEqual(evil.map((v) => `'${v}`));
  });

  it("leaves numbers, numeric strings and ordinary text alone", () => {
    const out = cells(
      toCsv({
        fields: ["agent", "profit", "rate", "note"],
        data: [
          ["张伟", -12.5, "-0.25", "a=b"],
          ["li", 3, "+4", "x-y"],
        ],
      }),
    );
    expect(out).toEqual([
      ["agent", "profit", "rate", "note"],
      ["张伟", "-12.5", "-0.25", "a=b"],
      ["li", "3", "+4", "x-y"],
    ]);
  });

  it("escapes header cells too", () => {
    expect(cells(toCsv([{ "=x": 1 }]))[0]).toEqual(["'=x"]);
  });
});
