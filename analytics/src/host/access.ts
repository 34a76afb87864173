// Least privilege on the embedded host. chDB runs every connection as one engine user, so
// what a real server does with users, grants and row policies is done here in three layers:
//
// 1. The engine's own access control, from a config file given at open: its one user has
//    no source privileges (file, url, s3, remote, mysql, … table functions and engines are
//    refused with ACCESS_DENIED), no SYSTEM, KILL, dictionaries or access management.
// 2. A statement check for every identity (the engine cannot refuse these in chDB's local
//    mode): one statement per request, no `file()` function, no INTO OUTFILE / FROM INFILE.
// 3. Org analysts (`analyst.<org>`): ClickHouse's `additional_table_filters`, computed from
//    the live catalog for each request and locked by readonly=1 — every table with an org
//    column reads as `org_id = '<org>'`, any other table and every system table outside a
//    short list throws — and only row-generating table functions (numbers, values, view, …).
//    See analytics/README.md ("Tenant isolation").
import { createHash, timingSafeEqual } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Session } from "chdb";
import { orgAnalystPassword, orgOfAnalystUser } from "../tenancy/org-analyst.ts";
import type { EngineAccess, EngineRequest, EngineUser } from "./engine.ts";
import { sqlString } from "./engine.ts";

/** Columns that name a row's org, in order of preference. */
export const ORG_COLUMNS = ["org_id", "org"] as const;

/** Tables without an org column that hold no tenant data (readable by every org analyst). */
export const ORG_FREE_TABLES: ReadonlySet<string> = new Set(["schema_migrations"]);

/** System tables an org analyst may read: schema, functions, settings — never logs or state. */
export const SYSTEM_TABLES_FOR_ORG_ANALYSTS: ReadonlySet<string> = new Set([
  "one",
  "numbers",
  "numbers_mt",
  "zeros",
  "zeros_mt",
  "databases",
  "tables",
  "columns",
  "data_skipping_indices",
  "functions",
  "table_functions",
  "table_engines",
  "database_engines",
  "formats",
  "data_type_families",
  "aggregate_function_combinators",
  "settings",
  "merge_tree_settings",
  "time_zones",
  "collations",
  "keywords",
  "build_options",
  "licenses",
  "contributors",
]);

/** Table functions that make rows from their arguments, never from stored data. */
export const TABLE_FUNCTIONS_FOR_ORG_ANALYSTS: ReadonlySet<string> = new Set([
  "numbers",
  "numbers_mt",
  "zeros",
  "zeros_mt",
  "generate_series",
  "generateseries",
  "values",
  "null",
  "generaterandom",
  "view", // its query is checked like any other
]);

/** Databases of views over system tables (their reads are filtered as system tables). */
const SCHEMA_VIEW_DATABASES = new Set(["information_schema", "INFORMATION_SCHEMA"]);

/**
 * The engine user's grants: everything the services and the migrations need, nothing that
 * reaches outside the data directory. table_engines_require_grant makes File/URL/S3/… engines
 * need a grant too (none is given). allow_ddl is locked off for the service writer through
 * the `cc_no_ddl` profile (SET profile merges its constraints; they cannot be dropped again).
 */
const USERS_XML = `<clickhouse>
  <users>
    <default>
      <password></password>
      <networks><ip>::/0</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
      <access_management>0</access_management>
      <grants>
        <query>GRANT SELECT, INSERT, ALTER, CREATE DATABASE, CREATE TABLE, CREATE VIEW, CREATE TEMPORARY TABLE, DROP TABLE, DROP VIEW, DROP DATABASE, TRUNCATE, OPTIMIZE, SHOW TABLES, SHOW COLUMNS, SHOW DATABASES ON *.*</query>
      </grants>
    </default>
  </users>
  <profiles>
    <default></default>
    <cc_no_ddl><constraints><allow_ddl><readonly/></allow_ddl></constraints></cc_no_ddl>
  </profiles>
  <quotas><default></default></quotas>
</clickhouse>
`;

function configXml(dir: string): string {
  return `<clickhouse>
  <users_config>${path.join(dir, "users.xml")}</users_config>
  <user_files_path>${path.join(dir, "user_files")}/</user_files_path>
  <user_scripts_path>${path.join(dir, "user_scripts")}/</user_scripts_path>
  <access_control_improvements>
    <table_engines_require_grant>true</table_engines_require_grant>
  </access_control_improvements>
</clickhouse>
`;
}

/** Writes the engine's access config into the data dir; returns the connection arguments for chDB. */
export async function engineAccessConfig(dataDir: string): Promise<string[]> {
  const dir = path.join(path.resolve(dataDir), "cc-access");
  await mkdir(path.join(dir, "user_files"), { recursive: true, mode: 0o700 });
  await mkdir(path.join(dir, "user_scripts"), { recursive: true, mode: 0o700 });
  await writeFile(path.join(dir, "users.xml"), USERS_XML, { mode: 0o600 });
  const config = path.join(dir, "config.xml");
  await writeFile(config, configXml(dir), { mode: 0o600 });
  return [`--config-file=${config}`];
}

/** An error in the engine's words, so the HTTP layer reports it as ClickHouse would (403). */
export function accessDenied(user: string, message: string): Error {
  return new Error(`Code: 497. DB::Exception: ${user}: ${message}. (ACCESS_DENIED)`);
}

// ---------------------------------------------------------------- statement check

interface Token {
  readonly word: string; // upper-cased word or the punctuation character
  readonly text: string; // as written (identifiers are case-sensitive)
  readonly quoted: boolean;
}

/** Words and punctuation of an engine-formatted statement; string literals are skipped. */
export function tokens(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'") {
      i++;
      while (i < sql.length && sql[i] !== "'") i += sql[i] === "\\" ? 2 : 1;
      i++;
      out.push({ word: "'", text: "'", quoted: true });
    } else if (c === "`" || c === '"') {
      const end = sql.indexOf(c, i + 1);
      const stop = end < 0 ? sql.length : end;
      const text = sql.slice(i + 1, stop);
      out.push({ word: text.toUpperCase(), text, quoted: true });
      i = stop + 1;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i, i + 256))!;
      out.push({ word: m[0].toUpperCase(), text: m[0], quoted: false });
      i += m[0].length;
    } else if (/\s/.test(c)) {
      i++;
    } else {
      out.push({ word: c, text: c, quoted: false });
      i++;
    }
  }
  return out;
}

/** Why a formatted statement is refused for every identity, or undefined. */
export function forbiddenInStatement(formatted: string): string | undefined {
  const t = tokens(formatted);
  // Every identity is the same engine user: KILL would reach other identities' queries.
  if (t[0]?.word === "KILL") return "KILL stops queries of other identities";
  for (let i = 0; i < t.length; i++) {
    const w = t[i]!.word;
    const next = t[i + 1]?.word;
    if (w === "FILE" && next === "(") return "the file() function reads the host's files";
    if (!t[i]!.quoted && w === "INTO" && next === "OUTFILE") return "INTO OUTFILE writes the host's files";
    if (!t[i]!.quoted && w === "FROM" && next === "INFILE") return "FROM INFILE reads the host's files";
  }
  return undefined;
}

const INSERT_WITH_DATA_RE =
  /^\s*INSERT\s+INTO\s+(?:TABLE\s+)?[A-Za-z0-9_.`"]+\s*(?:\([^()]*\))?\s*(?:SETTINGS\s(?:(?!\b(?:SELECT|WITH)\b)[^\n])*?)?FORMAT\s+([A-Za-z][A-Za-z0-9_]*)[ \t]*(?:\r?\n|$)/i;

/**
 * The statement part of a request's text: for `INSERT … FORMAT X` (X not Values) on the
 * first line, that line — everything after it is data the engine never parses as SQL;
 * otherwise the whole text, which must then be exactly one statement.
 */
export function statementOf(sql: string): string {
  const m = INSERT_WITH_DATA_RE.exec(sql);
  if (m && m[1]!.toLowerCase() !== "values") return m[0].trim();
  return sql;
}

/** The table an engine-formatted INSERT writes to (`db.table` as written), or undefined. */
export function insertTarget(formatted: string): string | undefined {
  const t = tokens(formatted);
  if (t[0]?.word !== "INSERT" || t[1]?.word !== "INTO") return undefined;
  const i = t[2]?.word === "TABLE" && !t[2].quoted ? 3 : 2;
  if (t[i]?.word === "FUNCTION" && !t[i]!.quoted) return "FUNCTION";
  if (t[i + 1]?.word === "." && t[i + 2]) return `${t[i]!.text}.${t[i + 2]!.text}`;
  return t[i]?.text;
}

/** Table functions in an `EXPLAIN AST` tree: the function child of each TableExpression. */
export function tableFunctionsOfAst(ast: string): string[] {
  const lines = ast.split("\n");
  const found: string[] = [];
  const depth = (l: string) => l.length - l.trimStart().length;
  lines.forEach((line, i) => {
    if (!line.trimStart().startsWith("TableExpression")) return;
    const d = depth(line);
    for (let j = i + 1; j < lines.length && depth(lines[j]!) > d; j++) {
      const child = lines[j]!;
      const m = /^Function (\S+)/.exec(child.trimStart());
      if (depth(child) === d + 1 && m) found.push(m[1]!);
    }
  });
  return found;
}

/** Longer statements are checked every time rather than kept (the cache holds the services' texts). */
const MAX_CACHED_STATEMENT = 16 * 1024;

interface Checked {
  readonly formatted: string;
  /** insertTarget(formatted), kept with the text: tokenizing a long query per request costs. */
  readonly written: string | undefined;
  tableFunctions?: string[];
}

async function text(session: Session, sql: string): Promise<string> {
  return (await session.queryAsync(sql, { format: "TabSeparatedRaw" })).text();
}

// ---------------------------------------------------------------- org filters

interface CatalogRow {
  database: string;
  name: string;
  engine: string;
  orgColumn: string;
}

const CATALOG_SQL = `SELECT t.database, t.name, t.engine, c.org_column
FROM system.tables AS t
LEFT JOIN (
  SELECT database, table, if(has(groupArray(name), 'org_id'), 'org_id', 'org') AS org_column
  FROM system.columns WHERE name IN (${ORG_COLUMNS.map(sqlString).join(", ")})
  GROUP BY database, table
) AS c ON t.database = c.database AND t.name = c.table
SETTINGS join_use_nulls = 0`;

/** The additional_table_filters entry of each table for an analyst of `orgId` (undefined: no filter). */
export function orgTableFilter(row: CatalogRow, orgId: string): string | undefined {
  const deny = (why: string) =>
    `throwIf(1, ${sqlString(`${row.database}.${row.name}: ${why}: not readable by org analysts`)})`;
  if (row.database === "system") {
    return SYSTEM_TABLES_FOR_ORG_ANALYSTS.has(row.name) ? undefined : deny("host state of every org");
  }
  if (SCHEMA_VIEW_DATABASES.has(row.database)) return undefined;
  if (row.orgColumn !== "") return `${row.orgColumn} = ${sqlString(orgId)}`;
  if (row.engine === "View") return undefined; // reads tables that are filtered themselves
  if (ORG_FREE_TABLES.has(row.name)) return undefined;
  return deny("no org column");
}

/** `SET additional_table_filters = {…}` for an analyst of `orgId` over the catalog. */
export function orgFiltersStatement(catalog: readonly CatalogRow[], orgId: string): string {
  const entries: string[] = [];
  for (const row of catalog) {
    const filter = orgTableFilter(row, orgId);
    if (filter !== undefined)
      entries.push(`${sqlString(`${row.database}.${row.name}`)}: ${sqlString(filter)}`);
  }
  return `SET additional_table_filters = {${entries.join(", ")}}`;
}

async function catalog(session: Session): Promise<CatalogRow[]> {
  const r = await session.queryAsync(CATALOG_SQL, { format: "JSONCompactEachRow" });
  return r
    .text()
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => {
      const [database, name, engine, orgColumn] = JSON.parse(l) as [string, string, string, string];
      return { database, name, engine, orgColumn };
    });
}

// ---------------------------------------------------------------- the guard

/**
 * Runs before every request on its engine connection: refuses what no identity may do and,
 * for an org analyst, returns the statements that confine it to its org (they go before
 * readonly=1 in the preamble, so nothing later can change them).
 */
export class AccessGuard {
  readonly #checked = new Map<string, Checked>();
  readonly #maxCached: number;

  constructor(maxCached = 2000) {
    this.#maxCached = maxCached;
  }

  async prepare(session: Session, req: EngineRequest): Promise<string[]> {
    const statement = statementOf(req.clientSql ?? req.sql);
    const checked = await this.#check(session, statement, req.user.name);
    const written = checked.written;
    const current = `${req.database || "default"}.`;
    const target = written?.startsWith(current) ? written.slice(current.length) : written;
    if (target !== undefined && req.user.insertTables && !req.user.insertTables.has(target)) {
      throw accessDenied(
        req.user.name,
        `INSERT into ${target} is not granted (only ${[...req.user.insertTables].join(", ")})`,
      );
    }
    const orgId = req.user.orgId;
    if (orgId === undefined) return [];
    // EXPLAIN would print its tree in the statement's own output format: drop that clause.
    const bare = checked.formatted.replace(/\nFORMAT \w+$/, "");
    // EXPLAIN AST substitutes {name:Type} parameters, so they are set first (as the preamble will).
    const params = Object.entries(req.params)
      .filter(([k]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k))
      .map(([k, v]) => `SET param_${k} = ${sqlString(v)};\n`);
    checked.tableFunctions ??= tableFunctionsOfAst(
      await text(session, `${params.join("")}EXPLAIN AST ${bare}`),
    );
    const refused = checked.tableFunctions.find(
      (f) => !TABLE_FUNCTIONS_FOR_ORG_ANALYSTS.has(f.toLowerCase()),
    );
    if (refused !== undefined) {
      throw accessDenied(req.user.name, `table function ${refused}() is not available to org analysts`);
    }
    return [orgFiltersStatement(await catalog(session), orgId)];
  }

  /** One statement, nothing that touches the host's files; cached by text (services repeat theirs). */
  async #check(session: Session, statement: string, user: string): Promise<Checked> {
    const hit = this.#checked.get(statement);
    if (hit) return hit;
    // formatQuery parses without running anything and refuses multi-statements itself.
    const formatted = await text(session, `SELECT formatQuery(${sqlString(statement)})`).catch(
      (err: Error) => {
        // The client's own syntax error, without the wrapper it was found in.
        throw new Error(err.message.replace(/: In scope SELECT formatQuery\(.*\)\. \(/s, ". ("), {
          cause: err,
        });
      },
    );
    const why = forbiddenInStatement(formatted);
    if (why !== undefined) throw accessDenied(user, why);
    const bare = formatted.replace(/\n$/, "");
    const checked: Checked = { formatted: bare, written: insertTarget(bare) };
    if (statement.length > MAX_CACHED_STATEMENT) return checked; // inline VALUES data: not worth keeping
    if (this.#checked.size >= this.#maxCached) this.#checked.delete(this.#checked.keys().next().value!);
    this.#checked.set(statement, checked);
    return checked;
  }
}

/** The host's access layer for the engine: its config and the per-request guard. */
export async function hostAccess(dataDir: string): Promise<EngineAccess> {
  const connectionArgs = await engineAccessConfig(dataDir);
  const guard = new AccessGuard();
  return { connectionArgs, prepare: (session, req) => guard.prepare(session, req) };
}

/** `analyst.<org>` with HMAC(secret, org) as password: an analyst confined to its org. */
export function authenticateOrgAnalyst(
  secret: string | undefined,
  profile: Readonly<Record<string, string>>,
  username: string,
  password: string,
): EngineUser | undefined {
  const orgId = orgOfAnalystUser(username);
  if (secret === undefined || orgId === undefined) return undefined;
  const expected = createHash("sha256").update(orgAnalystPassword(secret, orgId)).digest();
  const given = createHash("sha256").update(password).digest();
  if (!timingSafeEqual(expected, given)) return undefined;
  return { name: username, role: "analyst", profile, readonly: 1, orgId };
}

/**
 * The services' writer when a migrator holds DDL: allow_ddl=0, then the `cc_no_ddl` profile,
 * whose constraint locks allow_ddl at that value for the rest of the connection (SET, SETTINGS
 * or URL settings that change it fail; constraints only add up, so SET profile cannot undo it).
 */
/** What the services' writer inserts into beside a migrator: events (the sink) and the demo marker. */
export const WRITER_INSERT_TABLES: ReadonlySet<string> = new Set(["events", "generated_history"]);

export const WRITER_WITHOUT_DDL: Readonly<Record<string, string>> = { allow_ddl: "0", profile: "cc_no_ddl" };

/**
 * What the report refresher (CH_REFRESHER_USER) inserts into: the reports' precomputes and their
 * refresh marks, recomputed from the report tables (reports/funnel-leads.ts, roi-last-touch.ts).
 * Nothing else, and no DDL: the sink's writer cannot forge a precompute, nor the refresher an event.
 */
export const REFRESHER_INSERT_TABLES: ReadonlySet<string> = new Set([
  "report_funnel_leads",
  "report_funnel_refreshes",
  "report_roi_last_touch",
  "report_roi_refreshes",
]);

/** The report refresher: reads everything, inserts only into REFRESHER_INSERT_TABLES, no DDL. */
export function refresherUsers(
  env: { CH_REFRESHER_USER?: string | undefined; CH_REFRESHER_PASSWORD?: string | undefined },
  digest: (s: string) => Buffer,
): { secret: Buffer; user: EngineUser }[] {
  if (env.CH_REFRESHER_USER === undefined || env.CH_REFRESHER_PASSWORD === undefined) return [];
  const user: EngineUser = {
    name: env.CH_REFRESHER_USER,
    role: "writer",
    profile: WRITER_WITHOUT_DDL,
    readonly: 0,
    insertTables: REFRESHER_INSERT_TABLES,
  };
  return [{ secret: digest(env.CH_REFRESHER_PASSWORD), user }];
}

/** The migrator (CH_MIGRATOR_USER): DDL for the migrate step; no more than the engine user's grants. */
export function migratorUsers(
  env: { CH_MIGRATOR_USER?: string | undefined; CH_MIGRATOR_PASSWORD?: string | undefined },
  digest: (s: string) => Buffer,
): { secret: Buffer; user: EngineUser }[] {
  if (env.CH_MIGRATOR_USER === undefined || env.CH_MIGRATOR_PASSWORD === undefined) return [];
  const user: EngineUser = { name: env.CH_MIGRATOR_USER, role: "writer", profile: {}, readonly: 0 };
  return [{ secret: digest(env.CH_MIGRATOR_PASSWORD), user }];
}
