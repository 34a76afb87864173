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
  name: z.string().max(200).optional(),
  company: z.string().max(200).optional(),
  region: z.string().max(64).optional(),
  consent: Consent,
  /** When the ad click or form submit happened, for attribution windows. */
  touched_at: UtcMillis.optional(),
  /** Agent who entered the customer by hand (new customers added, in agent workload). */
  agent_id: EntityId.optional(),
});

export const LeadAssigned = z.object({
  ...envelopeShape,
  kind: z.literal("lead.assigned"),
  lead_id: EntityId,
  agent_id: EntityId.optional(),
  campaign_id: EntityId.optional(),
  assigned_by: z.enum(["rule", "manager", "pool_return", "system"]),
});

export const leadEvents = [LeadCreated, LeadAssigned] as const;
