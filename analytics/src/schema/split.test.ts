import { describe, expect, it } from "vitest";
import { loadMigrations } from "./migrate.ts";
import { splitStatements } from "./split.ts";

describe("splitStatements", () => {
  it("splits on semicolons outside quotes and comments", () => {
    const sql = `-- a; comment
CREATE TABLE a (s String DEFAULT 'x;y') ENGINE = Memory;
/* block ; comment */ SELECT 'it''s; fine', "q;q", \`b;t\`, 'esc\\'; still';
-- trailing comment only;
`;
    expect(splitStatements(sql)).toEqual([
      "-- a; comment\nCREATE TABLE a (s String DEFAULT 'x;y') ENGINE = Memory",
      "/* block ; comment */ SELECT 'it''s; fine', \"q;q\", `b;t`, 'esc\\'; still'",
    ]);
  });

  it("finds every statement of the shipped migrations", async () => {
    const files = await loadMigrations();
    expect(files[0]?.version).toBe("001_events");
    for (const f of files) {
      expect(f.statements.length, f.file).toBeGreaterThan(0);
      // DDL, plus the one-off backfills (INSERT … SELECT) of tables added to a live database.
      for (const s of f.statements) expect(s).toMatch(/^(--[^\n]*\n|\s)*(CREATE|ALTER|INSERT)\b/);
    }
  });
});
