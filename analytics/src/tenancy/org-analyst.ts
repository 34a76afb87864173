// Per-org analyst identities for ClickHouse. An org's analyst is the ClickHouse user
// `analyst.<org id>`; its password is derived from one secret (HMAC-SHA256 of the org id), so
// the embedded host, the dashboard and the DDL generator for a real server all know every
// org's credentials without a list to keep in sync, and a new org works at once.
import { createHmac } from "node:crypto";
import { z } from "zod";

/** Same shape as the events' org_id (ingest's EntityId): never needs quoting in SQL. */
export const OrgIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, "org id: 1–64 letters, digits, '_' or '-'");

/** `.` never occurs in an org id, so the user name maps back to exactly one org. */
export const ORG_ANALYST_PREFIX = "analyst.";

export const OrgAnalystSecretSchema = z.string().min(16, "must be at least 16 characters");

export interface OrgAnalystCredentials {
  readonly username: string;
  readonly password: string;
}

export function orgAnalystUser(orgId: string): string {
  return `${ORG_ANALYST_PREFIX}${OrgIdSchema.parse(orgId)}`;
}

/** The org of an org analyst's user name, or undefined for any other name. */
export function orgOfAnalystUser(username: string): string | undefined {
  if (!username.startsWith(ORG_ANALYST_PREFIX)) return undefined;
  const org = OrgIdSchema.safeParse(username.slice(ORG_ANALYST_PREFIX.length));
  return org.success ? org.data : undefined;
}

export function orgAnalystPassword(secret: string, orgId: string): string {
  OrgAnalystSecretSchema.parse(secret);
  return createHmac("sha256", secret)
    .update(`cc-clickhouse-org-analyst\0${OrgIdSchema.parse(orgId)}`)
    .digest("base64url");
}

export function orgAnalystCredentials(secret: string, orgId: string): OrgAnalystCredentials {
  return { username: orgAnalystUser(orgId), password: orgAnalystPassword(secret, orgId) };
}
