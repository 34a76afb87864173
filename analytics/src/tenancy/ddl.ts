// The same identities on a real ClickHouse server (>= 24), as SQL: per-service users with only
// the grants they need, and per org an analyst confined to its org by a row policy. Passwords
// appear only as SHA-256 hashes. See analytics/README.md ("Tenant isolation").
import { createHash } from "node:crypto";
import { z } from "zod";
import { ORG_COLUMNS } from "../host/access.ts";
import { OrgIdSchema, orgAnalystPassword, orgAnalystUser } from "./org-analyst.ts";

const Name = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "letters, digits and _ only");

export const AccessDdlOptionsSchema = z.object({
  /** The database the migrations run in. */
  database: Name.default("default"),
  orgs: z.array(OrgIdSchema).default([]),
  orgAnalystSecret: z.string().min(16).optional(),
  /** Each service identity: user name and password (hashed into the DDL). */
  writer: z.object({ username: Name, password: z.string().min(16) }).optional(),
  migrator: z.object({ username: Name, password: z.string().min(16) }).optional(),
  analyst: z.object({ username: Name, password: z.string().min(16) }).optional(),
  /** The column every org's rows carry (all migrations use org_id). */
  orgColumn: z.enum(ORG_COLUMNS).default("org_id"),
  limits: z
    .object({
      maxExecutionTime: z.number().int().min(0).default(30),
      maxResultRows: z.number().int().min(0).default(1_000_000),
      maxResultBytes: z
        .number()
        .int()
        .min(0)
        .default(256 * 1024 * 1024),
      maxRowsToRead: z.number().int().min(0).default(2_000_000_000),
      maxMemoryUsage: z
        .number()
        .int()
        .min(0)
        .default(4 * 1024 * 1024 * 1024),
    })
    .prefault({}),
});
export type AccessDdlOptions = z.input<typeof AccessDdlOptionsSchema>;

/** System tables an org analyst's tools need for schema browsing (select_from_system_db_requires_grant). */
const SYSTEM_TABLES = [
  "one",
  "numbers",
  "zeros",
  "databases",
  "tables",
  "columns",
  "functions",
  "table_functions",
  "formats",
  "data_type_families",
  "settings",
  "time_zones",
  "collations",
  "keywords",
  "build_options",
];

const q = (s: string) => `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
const id = (s: string) => `\`${s.replace(/`/g, "\\`")}\``;
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
const identified = (password: string) => `IDENTIFIED WITH sha256_hash BY ${q(sha256(password))}`;

function analystProfile(o: z.output<typeof AccessDdlOptionsSchema>): string {
  const l = o.limits;
  return `CREATE SETTINGS PROFILE IF NOT EXISTS cc_analyst SETTINGS readonly = 1, max_execution_time = ${l.maxExecutionTime}, max_result_rows = ${l.maxResultRows}, max_result_bytes = ${l.maxResultBytes}, result_overflow_mode = 'throw', max_rows_to_read = ${l.maxRowsToRead}, read_overflow_mode = 'throw', max_memory_usage = ${l.maxMemoryUsage}`;
}

function serviceUsers(o: z.output<typeof AccessDdlOptionsSchema>): string[] {
  const db = id(o.database);
  const out: string[] = [];
  if (o.migrator) {
    const u = id(o.migrator.username);
    out.push(
      `CREATE USER IF NOT EXISTS ${u} ${identified(o.migrator.password)}`,
      // DDL on our database only: no sources (FILE, URL, S3, REMOTE, …), no SYSTEM, no access management.
      `GRANT CREATE DATABASE ON ${db}.* TO ${u}`,
      `GRANT SELECT, INSERT, ALTER, CREATE TABLE, CREATE VIEW, DROP TABLE, DROP VIEW, TRUNCATE, OPTIMIZE, SHOW ON ${db}.* TO ${u}`,
    );
  }
  if (o.writer) {
    const u = id(o.writer.username);
    out.push(
      `CREATE USER IF NOT EXISTS ${u} ${identified(o.writer.password)}`,
      // The sink inserts events (the views fill the rest); services read what they report.
      `GRANT INSERT ON ${db}.events TO ${u}`,
      `GRANT SELECT, SHOW ON ${db}.* TO ${u}`,
    );
  }
  if (o.analyst) {
    const u = id(o.analyst.username);
    out.push(
      `CREATE USER IF NOT EXISTS ${u} ${identified(o.analyst.password)} SETTINGS PROFILE 'cc_analyst'`,
      `GRANT SELECT, SHOW ON ${db}.* TO ${u}`,
    );
  }
  return out;
}

/** What every org analyst may do (a role), and per org its user and row policy. */
function orgAnalysts(o: z.output<typeof AccessDdlOptionsSchema>): string[] {
  if (o.orgs.length === 0) return [];
  if (!o.orgAnalystSecret)
    throw new Error("orgAnalystSecret is needed to derive the org analysts' passwords");
  const db = id(o.database);
  const out = [
    "CREATE ROLE IF NOT EXISTS cc_org_analyst",
    `GRANT SELECT, SHOW ON ${db}.* TO cc_org_analyst`,
    ...SYSTEM_TABLES.map((t) => `GRANT SELECT ON system.${t} TO cc_org_analyst`),
  ];
  for (const org of o.orgs) {
    const user = id(orgAnalystUser(org));
    out.push(
      `CREATE USER IF NOT EXISTS ${user} ${identified(orgAnalystPassword(o.orgAnalystSecret, org))} SETTINGS PROFILE 'cc_analyst'`,
      `GRANT cc_org_analyst TO ${user}`,
      // Every table of the database, today's and tomorrow's; a table without the column errors.
      `CREATE ROW POLICY IF NOT EXISTS ${id(`cc_org_${org}`)} ON ${db}.* USING ${o.orgColumn} = ${q(org)} TO ${user}`,
    );
  }
  return out;
}

/** The statements, in order; run them as an administrator (access_management). Idempotent. */
export function accessDdl(options: AccessDdlOptions): string[] {
  const o = AccessDdlOptionsSchema.parse(options);
  return [analystProfile(o), ...serviceUsers(o), ...orgAnalysts(o)];
}
