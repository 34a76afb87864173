// Campaign configuration, one schema for everything that runs a campaign: the pacing service
// (mode, caps, ring timeout), the dialing list (profile: window, attempt limits, retries) and the
// media service (caller id, analysis, what to do with machines, the abandon message).
// Given as JSON in CC_CAMPAIGNS (a list), validated at start with every problem named.
import { z } from "zod";
import { type JurisdictionProfile, PROFILES } from "./compliance/profiles.ts";
import { type RetryRules, retryRulesWith } from "./compliance/retry.ts";
import { type CampaignSettings, DEFAULT_CAMPAIGN } from "./core/types.ts";

const E164 = z.string().regex(/^\+[1-9]\d{6,14}$/, "must be an E.164 number such as +8657100000000");
/** A retry rule for one outcome: wait this long (null = never retry), at most this many retries. */
const RetryRule = z
  .object({
    delay_s: z
      .number()
      .int()
      .min(0)
      .max(30 * 86_400)
      .nullable()
      .optional(),
    max: z.number().int().min(0).max(100).optional(),
  })
  .strict();
const RetryOutcome = z.enum([
  "busy",
  "no_answer",
  "machine",
  "network",
  "rejected",
  "unreachable",
  "invalid_number",
  "cancelled",
  "live_abandoned",
  "fax",
  "live_connected",
]);

const HHMM = z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, 'must be "HH:MM" (end may be "24:00")');

export const CampaignConfig = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "campaign ids are 1–64 of [A-Za-z0-9_-]"),
  name: z.string().max(200).optional(),
  mode: z.enum(["preview", "progressive", "predictive"]).default("predictive"),
  caller_id: E164,
  /** Jurisdiction profile: abandon cap and periods, calling window, attempt limits. */
  profile: z
    .enum(Object.keys(PROFILES) as [keyof typeof PROFILES, ...(keyof typeof PROFILES)[]])
    .default("CN"),
  /** Override of the profile's calling window in the callee's local time. */
  window: z.object({ start: HHMM, end: HHMM }).optional(),
  max_attempts: z.number().int().positive().optional(),
  /** Override of the profile's attempts per lead per local day. */
  max_attempts_per_day: z.number().int().positive().optional(),
  /** Retry rules per outcome (busy, no answer, machine, network failure …) over the defaults. */
  retry: z.partialRecord(RetryOutcome, RetryRule).default({}),
  /** A call-back is offered to its agent alone this long before their team may take it. */
  callback_grace_s: z
    .number()
    .int()
    .min(0)
    .max(7 * 86_400)
    .default(600),
  /** Leads allocated to a team or agent and left untouched this long return to the pool. */
  recycle_after_h: z
    .number()
    .min(0.01)
    .max(24 * 90)
    .default(24),
  abandon_cap: z.number().min(0).max(0.2).optional(),
  ring_timeout_s: z.number().min(5).max(120).default(25),
  /** Skill an agent needs to take this campaign's calls. */
  skill: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .optional(),
  /** Run answering-machine detection after answer. */
  amd: z.boolean().default(true),
  /** Overrides of the analyzer's AMD parameters (media validates them). */
  amd_params: z.record(z.string(), z.unknown()).default({}),
  /** What to do when a machine answers: hang up, or wait for the beep and leave the message. */
  machine_action: z.enum(["hangup", "message"]).default("hangup"),
  /**
   * An undecided analysis (no voice heard, or still unsure at the limit): hung up on like a machine
   * by default, so only a human voice reaches an agent; "human" sends it to an agent instead.
   * Without AMD every answer goes to an agent.
   */
  unknown_as: z.enum(["human", "machine"]).default("machine"),
  /** Wait this long for an agent after a live answer before the abandon message (2-second rule). */
  grace_ms: z.number().int().min(0).max(1_800).default(1_500),
  /** WAV files as rtpengine reads them: the information message and the voicemail message. */
  abandon_message: z.string().min(1).optional(),
  voicemail_message: z.string().min(1).optional(),
  /**
   * Call progress only (a list's trial dial): the media service hangs up as soon as the number
   * answers and connects nobody; busy / invalid / unreachable come from the SIP final response.
   */
  call_progress_only: z.boolean().default(false),
});
export type CampaignConfig = z.infer<typeof CampaignConfig>;

export const CampaignList = z
  .array(CampaignConfig)
  .refine((cs) => new Set(cs.map((c) => c.id)).size === cs.length, "campaign ids must be unique");

export class CampaignConfigError extends Error {
  readonly code = "BAD_CAMPAIGNS";
  constructor(message: string) {
    super(message);
    this.name = "CampaignConfigError";
  }
}

/** Parses CC_CAMPAIGNS; the error lists every problem with its path. */
export function parseCampaigns(json: string): CampaignConfig[] {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    throw new CampaignConfigError(`CC_CAMPAIGNS is not JSON: ${(err as Error).message}`);
  }
  const r = CampaignList.safeParse(raw);
  if (!r.success) {
    throw new CampaignConfigError(
      `CC_CAMPAIGNS: ${r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`,
    );
  }
  return r.data;
}

/** The profile in force for a campaign, with its overrides applied. */
export function profileOf(c: CampaignConfig): JurisdictionProfile {
  const base = PROFILES[c.profile];
  return {
    ...base,
    ...(c.window ? { window: c.window } : {}),
    ...(c.max_attempts ? { maxAttemptsPerCampaign: c.max_attempts } : {}),
    ...(c.max_attempts_per_day ? { maxAttemptsPerDay: c.max_attempts_per_day } : {}),
    ...(c.abandon_cap !== undefined ? { abandonCap: c.abandon_cap } : {}),
  };
}

/** The campaign's retry rules: the defaults with its `retry` overrides. */
export function retryRulesOf(c: CampaignConfig): RetryRules {
  return retryRulesWith(c.retry);
}

/** What the decision core needs of a campaign. */
export function settingsOf(c: CampaignConfig): CampaignSettings {
  const p = profileOf(c);
  return {
    ...DEFAULT_CAMPAIGN,
    campaignId: c.id,
    mode: c.mode,
    abandonCap: p.abandonCap,
    ringTimeoutS: Math.max(c.ring_timeout_s, p.minRingS),
    ...(c.skill ? { skill: c.skill } : {}),
  };
}
