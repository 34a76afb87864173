import { Readable } from "node:stream";
import fc from "fast-check";
import Papa from "papaparse";
import { describe, expect, it } from "vitest";
import { companyCore, comparable } from "./clean.ts";
import { ContactIndex, FUZZY_THRESHOLD, PhoneSet, similarity } from "./dedupe.ts";
import { runImport } from "./engine.ts";
import { SAMPLE_HEADERS, sampleRows } from "./sample.ts";

describe("PhoneSet", () => {
  it("remembers the first row of each number through many resizes", () => {
    const set = new PhoneSet(4);
    const n = 50_000;
    for (let i = 0; i < n; i++) expect(set.firstOrAdd(`+86138${String(i).padStart(8, "0")}`, i + 2)).toBe(0);
    expect(set.size).toBe(n);
    for (let i = 0; i < n; i += 997)
      expect(set.firstOrAdd(`+86138${String(i).padStart(8, "0")}`, 1)).toBe(i + 2);
    expect(set.firstOrAdd("+14155552671", 9)).toBe(0);
    expect(set.firstOrAdd("+14155552671", 10)).toBe(9);
  });

  it("property: agrees with a Set on any sequence of numbers", () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^\+[1-9]\d{6,14}$/), { maxLength: 300 }), (phones) => {
        const set = new PhoneSet(2);
        const seen = new Map<string, number>();
        phones.forEach((p, i) => {
          const first = set.firstOrAdd(p, i + 1);
          expect(first).toBe(seen.get(p) ?? 0);
          if (!seen.has(p)) seen.set(p, i + 1);
        });
      }),
    );
  });
});

describe("ContactIndex", () => {
  it("merges the same name at the same company written differently, not namesakes elsewhere", () => {
    const idx = new ContactIndex();
    expect(idx.matchOrAdd("王伟", "深圳华信科技有限公司", "", 2)).toBeNull();
    expect(idx.matchOrAdd("王伟", "广州恒泰贸易有限公司", "", 3)).toBeNull();
    expect(idx.matchOrAdd("王 伟", "深圳华信科技", "", 4)).toMatchObject({ line: 2, match: "name_company" });
    expect(idx.matchOrAdd("李娜", "", "杭州市人民路12号3楼", 5)).toBeNull();
    expect(idx.matchOrAdd("李娜", "", "杭州市人民路12号 3 楼", 6)).toMatchObject({
      line: 5,
      match: "name_address",
    });
    expect(idx.matchOrAdd("李娜", "", "成都市天府大道800号", 7)).toBeNull();
  });

  it("stops indexing at its bound and says so", () => {
    const idx = new ContactIndex(2);
    idx.matchOrAdd("甲甲", "a公司", "", 2);
    idx.matchOrAdd("乙乙", "b公司", "", 3);
    idx.matchOrAdd("丙丙", "c公司", "", 4);
    expect(idx.full).toBe(true);
    expect(idx.matchOrAdd("乙乙", "b公司", "", 5)).toMatchObject({ line: 3 });
    expect(idx.matchOrAdd("丙丙", "c公司", "", 6)).toBeNull();
  });

  it("property: answers as the plain Map-of-blocks index would, through many resizes and at its bound", () => {
    // The reference: blocks as a Map of arrays of contacts, keyed by the string the index hashes.
    class Reference {
      readonly blocks = new Map<string, { name: string; text: string; byCompany: boolean; line: number }[]>();
      held = 0;
      readonly max: number;
      constructor(max: number) {
        this.max = max;
      }
      matchOrAdd(name: string, company: string, address: string, line: number) {
        const n = comparable(name);
        if (n.length < 2) return null;
        const c = companyCore(company);
        const v = c || comparable(address);
        if (!v) return null;
        const keys = [`${n}|${c ? "c" : "a"}${v.slice(0, 2)}`, `${n}|${c ? "c" : "a"}${v.slice(-2)}`];
        for (const key of keys)
          for (const k of this.blocks.get(key) ?? []) {
            if (k.name !== n || k.byCompany !== !!c) continue;
            const sim = similarity(v, k.text);
            if (sim >= FUZZY_THRESHOLD) return { line: k.line, match: c ? "name_company" : "name_address" };
          }
        if (this.held++ >= this.max) return null;
        const contact = { name: n, text: v, byCompany: !!c, line };
        for (const key of keys[0] === keys[1] ? [keys[0]!] : keys) {
          const block = this.blocks.get(key);
          if (block) block.push(contact);
          else this.blocks.set(key, [contact]);
        }
        return null;
      }
    }
    const names = ["王伟", "王 伟", "李娜", "张敏", "刘洋", "x", "陈静"];
    const words = [
      "华信科技",
      "恒泰贸易",
      "华信科",
      "人民路12号",
      "天府大道",
      "",
      "华新科技有限公司",
      "Acme Inc",
    ];
    const row = fc.record({
      name: fc.constantFrom(...names),
      company: fc.constantFrom(...words),
      address: fc.constantFrom(...words),
      noise: fc.string({ maxLength: 3 }),
    });
    fc.assert(
      fc.property(
        fc.array(row, { minLength: 2_000, maxLength: 6_000 }),
        fc.integer({ min: 1, max: 5_000 }),
        (rows, max) => {
          const idx = new ContactIndex(max);
          const ref = new Reference(max);
          rows.forEach((r, i) => {
            const company = r.company && (i % 2 ? `${r.company}${r.noise}` : `${r.noise}${r.company}`);
            const got = idx.matchOrAdd(r.name, company, r.address, i + 2);
            const want = ref.matchOrAdd(r.name, company, r.address, i + 2);
            expect(got && { line: got.line, match: got.match }).toEqual(want);
          });
          expect(idx.full).toBe(ref.held > max);
        },
      ),
      { numRuns: 20 },
    );
  }, 120_000);

  it("similarity is 1 for equal strings and falls with edits", () => {
    expect(similarity("华信科技", "华信科技")).toBe(1);
    expect(similarity("华信科技", "华新科技")).toBe(0.75);
  });
});

function csv(rows: string[][]): Readable {
  return Readable.from([Buffer.from(`${Papa.unparse([SAMPLE_HEADERS, ...rows])}\r\n`)]);
}

describe("runImport (dry run)", () => {
  it("property: every row read is imported, rejected, a duplicate or a DNC hit (rows_lost = 0)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          seed: fc.string(),
          rows: fc.integer({ min: 0, max: 400 }),
          dup: fc.double({ min: 0, max: 0.5, noNaN: true }),
          bad: fc.double({ min: 0, max: 0.4, noNaN: true }),
          junk: fc.array(fc.array(fc.string(), { maxLength: 7 }), { maxLength: 30 }),
        }),
        async ({ seed, rows, dup, bad, junk }) => {
          const generated = [
            ...sampleRows({ rows, seed, duplicateShare: dup, badShare: bad, foreignShare: 0.1 }),
          ];
          const all = [...generated.map((r) => r.cells), ...junk];
          const report = await runImport({
            source: csv(all),
            format: "csv",
            orgId: "o",
            campaignId: "c",
            dryRun: true,
          });
          const c = report.counts;
          expect(c.rowsLost).toBe(0);
          expect(c.imported + c.rejected + c.duplicates + c.dnc).toBe(c.rowsRead);
          expect(report.rejected.length).toBe(c.rejected);
          expect(report.merges.length).toBe(c.duplicates);
          // Blank lines are not rows; everything else is.
          const nonBlank = all.filter((r) => r.some((x) => x.trim() !== "")).length;
          expect(c.rowsRead).toBe(nonBlank);
          // Labelled bad rows are all rejected, each with its line.
          const badLines = generated.flatMap((r, i) => (r.truth === "bad" ? [i + 2] : []));
          const rejectedLines = new Set(report.rejected.map((r) => r.line));
          for (const l of badLines) expect(rejectedLines.has(l)).toBe(true);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("rejects numbers of countries the campaign does not dial", async () => {
    const report = await runImport({
      source: csv([
        ["Bob", "+1 650 253 0000", "G", "", ""],
        ["王伟", "13800138000", "华信", "", ""],
      ]),
      orgId: "o",
      campaignId: "c",
      dryRun: true,
      callingCodes: ["86"],
    });
    expect(report.counts).toMatchObject({ rowsRead: 2, imported: 1, rejected: 1, rowsLost: 0 });
    expect(report.rejected[0]).toMatchObject({
      line: 2,
      code: "country_not_dialed",
      value: "+1 650 253 0000",
    });
  });

  it("rejects rows missing a required field and lists missing important ones once per row", async () => {
    const report = await runImport({
      source: csv([
        ["王伟", "13800138000", "", "", ""],
        ["", "13900139000", "华信", "", ""],
        ["李娜", "13700137000", "恒泰", "", ""],
      ]),
      orgId: "o",
      campaignId: "c",
      dryRun: true,
      fieldRules: { required: ["phone", "name"], important: ["company", "address"] },
    });
    expect(report.counts).toMatchObject({ rowsRead: 3, imported: 2, rejected: 1, rowsLost: 0 });
    expect(report.rejected).toEqual([
      { line: 3, code: "missing_required", reason: "required field empty: name", value: "name" },
    ]);
    expect(report.missingImportant.rows).toEqual([
      { line: 2, fields: ["company", "address"] },
      { line: 4, fields: ["address"] },
    ]);
    expect(report.missingImportant.byField).toEqual({ company: 1, address: 2 });
  });
});
