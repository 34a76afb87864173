import { z } from "zod";
import { E164, EntityId, envelopeShape, UtcMillis } from "./common.ts";

export const LeadSource = z.enum(["web_form", "ad", "import", "api", "manual", "inbound_call"]);

export const Consent = z.object({
  given: z.boolean(),
  method: z.enum(["web_form", "recorded_call", "written", "sms", "none"]),
  at: UtcMillis.optional(),
});

export const LeadCreated = z.object({
  ...envelopeShape,
  kind: z.literal("lead.created"),
  lead_id: EntityId,
  source: LeadSource,
  /** Advertising channel (baidu, douyin, wechat, …) when the lead came from an ad. */
  channel: z.string().max(64).optional(),
  ad_id: EntityId.optional(),
  /** Advertising campaign that brought the lead (joins ad.spend_reported.ad_campaign_id). */
  ad_campaign_id: EntityId.optional(),
  /** Dialing campaign the lead is destined for. */
  campaign_id: EntityId.optional(),
  list_id: EntityId.optional(),
  phone: E164,
  /** The callee's own IANA time zone when known; calling windows use it instead of the number's country. */
  tz: z
    .string()
    .max(64)
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat("en", { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, "must be an IANA time zone such as Asia/Shanghai")
    .optional(),
  name: z.string().max(200).optional(),
  company: z.string().max(200).optional(),
  region: z.string().max(64).optional(),
  consent: Consent,
  /** When the ad click or form submit happened, for attribution windows. */
  touched_at: UtcMillis.optional(),
  /** Agent who entered the customer by hand (new customers added, in agent workload). */
  agent_id: EntityId.optional(),
  /** Batch import (pacing/src/import) that brought the lead, and its row in the file. */
  import_id: EntityId.optional(),
  import_line: z.number().int().positive().optional(),
  address: z.string().max(200).optional(),
  email: z.string().max(200).optional(),
  title: z.string().max(200).optional(),
  note: z.string().max(200).optional(),
  /** Columns of an imported file that map to no lead field, by header. */
  extra: z.record(z.string().max(64), z.string().max(500)).optional(),
});

export const LeadAssigned = z.object({
  ...envelopeShape,
  kind: z.literal("lead.assigned"),
  lead_id: EntityId,
  agent_id: EntityId.optional(),
  /** Team the lead is reserved for (multi-level allocation: org → team → agent). */
  team_id: EntityId.optional(),
  campaign_id: EntityId.optional(),
  assigned_by: z.enum(["rule", "manager", "pool_return", "system"]),
});

/** A batch import finished: its counts (imported + rejected + duplicates + dnc = rows_read). */
export const LeadImportCompleted = z.object({
  ...envelopeShape,
  kind: z.literal("lead.import_completed"),
  import_id: EntityId,
  campaign_id: EntityId,
  list_id: EntityId.optional(),
  format: z.enum(["csv", "xlsx"]),
  encoding: z.string().max(32),
  rows_read: z.number().int().nonnegative(),
  imported: z.number().int().nonnegative(),
  rejected: z.number().int().nonnegative(),
  duplicates: z.number().int().nonnegative(),
  dnc: z.number().int().nonnegative(),
  /** Rows neither imported nor reported: always 0 for a completed import. */
  rows_lost: z.number().int(),
  /** Rows imported with important fields missing (one batch reminder). */
  missing_important: z.number().int().nonnegative(),
  duration_ms: z.number().int().nonnegative(),
  reject_reasons: z.record(z.string().max(64), z.number().int().nonnegative()),
  merge_matches: z.record(z.string().max(64), z.number().int().nonnegative()),
});

export const leadEvents = [LeadCreated, LeadAssigned, LeadImportCompleted] as const;
