// A list's trial dial (试呼): a sample of its numbers dialed through the real media path with call
// progress only (nobody is connected), to measure how many numbers are invalid before agents
// spend time on the list. One event per trial, with the counts and the list's quality score.
import { z } from "zod";
import { EntityId, envelopeShape, NonNegInt } from "./common.ts";

/** What one sampled number did: from the answer, or the SIP final response's cause. */
export const TrialOutcome = z.enum([
  "answered",
  "busy",
  "no_answer",
  "invalid",
  "unreachable",
  "rejected",
  "network",
  /** Refused before dialing (DNC, calling window, consent): says nothing about the number. */
  "blocked",
  /** No outcome within the trial's time limit. */
  "no_result",
]);
export type TrialOutcome = z.infer<typeof TrialOutcome>;

export const ListTrialDialed = z.object({
  ...envelopeShape,
  kind: z.literal("list.trial_dialed"),
  trial_id: EntityId,
  /** The campaign whose list was sampled (the dials themselves ran on the trial campaign). */
  campaign_id: EntityId,
  list_id: EntityId.optional(),
  import_id: EntityId.optional(),
  list_size: NonNegInt,
  sampled: NonNegInt,
  outcomes: z.partialRecord(TrialOutcome, NonNegInt),
  /** invalid ÷ numbers with an outcome about the number (blocked, network, no_result left out). */
  invalid_share: z.number().min(0).max(1).nullable(),
  /** 0–100: 100 × (1 − invalid share − ½ unreachable share); null when nothing was decided. */
  quality_score: z.number().min(0).max(100).nullable(),
  /** Username that started the trial (dashboard), when a person did. */
  by: z.string().min(1).max(64).optional(),
});

export const trialEvents = [ListTrialDialed] as const;
