import { describe, expect, it } from "vitest";
import {
  forbiddenInStatement,
  insertTarget,
  orgFiltersStatement,
  orgTableFilter,
  REFRESHER_INSERT_TABLES,
  refresherUsers,
  statementOf,
  tableFunctionsOfAst,
  WRITER_INSERT_TABLES,
} from "./access.ts";

describe("statement check", () => {
  it("takes the first line of an INSERT with data, the whole text otherwise (VALUES is SQL)", () => {
    expect(statementOf('INSERT INTO events FORMAT JSONEachRow\n{"a":1}\n; SELECT 1')).toBe(
      "INSERT INTO events FORMAT JSONEachRow",
    );
    expect(statementOf("INSERT INTO `default`.`t` (`a`, `b`) FORMAT Native\n\u0000\u0001")).toBe(
      "INSERT INTO `default`.`t` (`a`, `b`) FORMAT Native",
    );
    const values = "INSERT INTO t VALUES (1); SELECT file('/etc/hostname')";
    expect(statementOf(values)).toBe(values);
    const insertSelect = "INSERT INTO t SELECT 1 FORMAT TSV\n; SELECT file('/etc/hostname')";
    expect(statementOf(insertSelect)).toBe(insertSelect);
    const settingsSelect = "INSERT INTO t SETTINGS max_threads = 1 SELECT 1 FORMAT TSV\n; SELECT file('x')";
    expect(statementOf(settingsSelect)).toBe(settingsSelect);
    expect(statementOf("INSERT INTO t SETTINGS async_insert = 1 FORMAT TSV\n1")).toBe(
      "INSERT INTO t SETTINGS async_insert = 1 FORMAT TSV",
    );
  });

  it("refuses file(), INTO OUTFILE, FROM INFILE and KILL, not the same words in strings", () => {
    expect(forbiddenInStatement("SELECT file('/etc/hostname')")).toMatch(/file\(\)/);
    expect(forbiddenInStatement("SELECT `file`('x')")).toMatch(/file\(\)/);
    expect(forbiddenInStatement("SELECT 1\nINTO OUTFILE '/tmp/x'")).toMatch(/OUTFILE/);
    expect(forbiddenInStatement("INSERT INTO t FROM INFILE '/etc/passwd' FORMAT TSV")).toMatch(/INFILE/);
    expect(forbiddenInStatement("KILL QUERY WHERE 1")).toMatch(/KILL/);
    expect(forbiddenInStatement("SELECT 'file(x) INTO OUTFILE', file_name FROM t")).toBeUndefined();
  });

  it("finds the table functions of an EXPLAIN AST tree", () => {
    const ast = [
      "SelectWithUnionQuery (children 1)",
      " ExpressionList (children 1)",
      "  SelectQuery (children 2)",
      "   ExpressionList (children 1)",
      "    Function count (children 1)",
      "   TablesInSelectQuery (children 2)",
      "    TablesInSelectQueryElement (children 1)",
      "     TableExpression (children 1)",
      "      Function merge (children 1)",
      "       ExpressionList (children 2)",
      "    TablesInSelectQueryElement (children 2)",
      "     TableExpression (children 1)",
      "      TableIdentifier events",
    ].join("\n");
    expect(tableFunctionsOfAst(ast)).toEqual(["merge"]);
  });
});

describe("insert target", () => {
  it("names the table an INSERT writes to, as written", () => {
    expect(insertTarget("INSERT INTO events FORMAT JSONEachRow")).toBe("events");
    expect(insertTarget("INSERT INTO TABLE default.Events (a) FORMAT TSV")).toBe("default.Events");
    expect(insertTarget("INSERT INTO `default`.`report ad` SELECT 1")).toBe("default.report ad");
    expect(insertTarget("INSERT INTO FUNCTION file('x') SELECT 1")).toBe("FUNCTION");
    expect(insertTarget("SELECT 1")).toBeUndefined();
  });
});

describe("org filters", () => {
  const row = (database: string, name: string, engine: string, orgColumn: string) => ({
    database,
    name,
    engine,
    orgColumn,
  });
  it("filters org tables, refuses the rest, lets schema and views through", () => {
    expect(orgTableFilter(row("default", "events", "ReplacingMergeTree", "org_id"), "acme")).toBe(
      "org_id = 'acme'",
    );
    expect(orgTableFilter(row("side", "t", "MergeTree", "org"), "acme")).toBe("org = 'acme'");
    expect(orgTableFilter(row("default", "audit", "MergeTree", ""), "acme")).toMatch(/^throwIf\(1, /);
    expect(orgTableFilter(row("system", "parts", "SystemParts", ""), "acme")).toMatch(/^throwIf\(1, /);
    expect(orgTableFilter(row("system", "tables", "SystemTables", ""), "acme")).toBeUndefined();
    expect(orgTableFilter(row("default", "v", "View", ""), "acme")).toBeUndefined();
    expect(
      orgTableFilter(row("default", "schema_migrations", "ReplacingMergeTree", ""), "acme"),
    ).toBeUndefined();
  });

  it("quotes keys and filters as string literals", () => {
    const sql = orgFiltersStatement([row("default", "events", "MergeTree", "org_id")], "a-b");
    expect(sql).toBe("SET additional_table_filters = {'default.events': 'org_id = \\'a-b\\''}");
  });
});

describe("report refresher identity", () => {
  const digest = (x: string) => Buffer.from(x);
  it("exists only with both settings, inserts only into the precomputes, without DDL", () => {
    expect(refresherUsers({ CH_REFRESHER_USER: "cc_refresher" }, digest)).toEqual([]);
    const [r] = refresherUsers(
      { CH_REFRESHER_USER: "cc_refresher", CH_REFRESHER_PASSWORD: "pw-123456" },
      digest,
    );
    expect(r?.user).toMatchObject({ name: "cc_refresher", role: "writer", readonly: 0 });
    expect(r?.user.profile).toMatchObject({ allow_ddl: "0", profile: "cc_no_ddl" });
    expect([...(r?.user.insertTables ?? [])].sort()).toEqual([
      "report_funnel_leads",
      "report_funnel_refreshes",
      "report_roi_last_touch",
      "report_roi_refreshes",
    ]);
    // Neither identity may write the other's tables.
    for (const t of REFRESHER_INSERT_TABLES) expect(WRITER_INSERT_TABLES.has(t)).toBe(false);
    for (const t of WRITER_INSERT_TABLES) expect(REFRESHER_INSERT_TABLES.has(t)).toBe(false);
  });
});
