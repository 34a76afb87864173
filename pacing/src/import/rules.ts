// Per-org field rules (必填项 / 重要项 / 一般项) and the import's Redis keys. Rules live in Redis
// as JSON next to the lists they feed, so the dashboard edits them and every importer reads the
// same; without a stored rule set the defaults apply (phone required; name, company important).
import type { createClient } from "redis";
import { FieldRules } from "./types.ts";

type Redis = ReturnType<typeof createClient>;

export const importKeys = {
  rules: (org: string) => `cc:import:rules:${org}`,
  /** E.164 numbers already imported into a campaign: a re-import finds them and changes nothing. */
  phones: (org: string, campaign: string) => `cc:import:phones:${org}:${campaign}`,
  /** The last report of an import (JSON), for the dashboard wizard; kept a week. */
  report: (org: string, importId: string) => `cc:import:report:${org}:${importId}`,
  blacklist: (org: string) => `cc:blacklist:${org}`,
};

export const DEFAULT_FIELD_RULES: FieldRules = FieldRules.parse({});

export async function loadFieldRules(redis: Redis, orgId: string): Promise<FieldRules> {
  const raw = await redis.get(importKeys.rules(orgId));
  if (!raw) return DEFAULT_FIELD_RULES;
  return FieldRules.parse(JSON.parse(raw));
}

export async function saveFieldRules(redis: Redis, orgId: string, rules: FieldRules): Promise<void> {
  await redis.set(importKeys.rules(orgId), JSON.stringify(FieldRules.parse(rules)));
}
