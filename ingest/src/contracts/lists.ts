// Dialing-list facts: the DNC list and blacklist as audited data (who added or removed which
// number, a registry import's totals) and every lead the list refused to hand to a dialer.
import { z } from "zod";
import { E164, EntityId, envelopeShape, NonNegInt } from "./common.ts";

/** 谢绝来电 (do-not-call registry / opt-outs) or 黑名单 (the org's own blacklist). */
export const NumberListName = z.enum(["dnc", "blacklist"]);
export type NumberListName = z.infer<typeof NumberListName>;

const changeShape = {
  ...envelopeShape,
  list: NumberListName,
  phone: E164,
  /** Username of the manager, director or admin who made the change. */
  by: z.string().min(1).max(64),
  note: z.string().max(500).optional(),
};

export const DncAdded = z.object({ ...changeShape, kind: z.literal("dnc.added") });
export const DncRemoved = z.object({ ...changeShape, kind: z.literal("dnc.removed") });

/** One file import into a number list (a national registry export): totals, never silent drops. */
export const DncImported = z.object({
  ...envelopeShape,
  kind: z.literal("dnc.imported"),
  list: NumberListName,
  import_id: EntityId,
  by: z.string().min(1).max(64),
  file_name: z.string().max(300),
  lines: NonNegInt,
  added: NonNegInt,
  already_listed: NonNegInt,
  rejected: NonNegInt,
});

/** Why the dialing list closed or refused a lead instead of handing it to a dialer. */
export const ListRefusalReason = z.enum([
  "dnc",
  "blacklist",
  "max_attempts",
  "timezone_unknown",
  "retries_exhausted",
]);

export const LeadRefused = z.object({
  ...envelopeShape,
  kind: z.literal("pacing.lead_refused"),
  campaign_id: EntityId,
  lead_id: EntityId,
  phone: E164,
  reason: ListRefusalReason,
});

export const listEvents = [DncAdded, DncRemoved, DncImported, LeadRefused] as const;
