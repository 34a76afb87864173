// Jurisdiction profiles as configuration. Figures from shared/pacing-anchors.md.
import { z } from "zod";

export const JurisdictionProfileSchema = z.object({
  id: z.string().min(1),
  description: z.string(),
  /** Abandoned / live answers. */
  abandonCap: z.number().min(0).max(1),
  /** Compliance periods the cap applies to. */
  periods: z.array(z.object({ name: z.string().min(1), windowS: z.number().int().positive() })).min(1),
  /** Count live people classified as machines (AMD false positives) as abandoned, by estimate. */
  countAmdFalsePositives: z.boolean(),
  /** Reasoned estimate of the AMD false-positive rate (share of machine verdicts that were people). */
  amdFalsePositiveRate: z.number().min(0).max(1),
  /** Report VICIdial's UK-adjusted drop percentage alongside. */
  vicidialUkAdjustment: z.boolean(),
  /** Longest delay from the end of the greeting to the information message. */
  messageMaxDelayMs: z.number().int().positive(),
  /** Minimum ring before giving up on an unanswered call. */
  minRingS: z.number().positive(),
  /** Calling window in the callee's local time, "HH:MM" (end exclusive). */
  window: z.object({ start: z.string().regex(/^\d\d:\d\d$/), end: z.string().regex(/^\d\d:\d\d$/) }),
  /** Calls only to leads with recorded consent (China: marketing calls need consent). */
  requireConsent: z.boolean(),
  /** Max attempts per number per local day and per campaign. */
  maxAttemptsPerDay: z.number().int().positive(),
  maxAttemptsPerCampaign: z.number().int().positive(),
});
export type JurisdictionProfile = z.infer<typeof JurisdictionProfileSchema>;

const DAY = 86_400;

export const PROFILES = {
  US_FCC: {
    id: "US_FCC",
    description:
      "47 CFR 64.1200(a)(7): ≤3 % of live answers per campaign over 30 days; 2 s message; 08:00–21:00",
    abandonCap: 0.03,
    periods: [
      { name: "24h", windowS: DAY },
      { name: "30d", windowS: 30 * DAY },
    ],
    countAmdFalsePositives: true,
    amdFalsePositiveRate: 0.01,
    vicidialUkAdjustment: false,
    messageMaxDelayMs: 2000,
    minRingS: 15,
    window: { start: "08:00", end: "21:00" },
    requireConsent: false,
    maxAttemptsPerDay: 3,
    maxAttemptsPerCampaign: 10,
  },
  UK_OFCOM: {
    id: "UK_OFCOM",
    description:
      "Ofcom persistent misuse: ≤3 % of live calls per campaign per 24 h; AMD false positives count",
    abandonCap: 0.03,
    periods: [
      { name: "24h", windowS: DAY },
      { name: "30d", windowS: 30 * DAY },
    ],
    countAmdFalsePositives: true,
    amdFalsePositiveRate: 0.01,
    vicidialUkAdjustment: true,
    messageMaxDelayMs: 2000,
    minRingS: 15,
    window: { start: "08:00", end: "21:00" },
    requireConsent: false,
    maxAttemptsPerDay: 3,
    maxAttemptsPerCampaign: 10,
  },
  CN: {
    id: "CN",
    description:
      "China: consent required, refusals and 谢绝来电 registrations never dialed; cap as product default",
    abandonCap: 0.03,
    periods: [
      { name: "24h", windowS: DAY },
      { name: "30d", windowS: 30 * DAY },
    ],
    countAmdFalsePositives: true,
    amdFalsePositiveRate: 0.01,
    vicidialUkAdjustment: false,
    messageMaxDelayMs: 2000,
    minRingS: 15,
    window: { start: "08:00", end: "21:00" },
    requireConsent: true,
    maxAttemptsPerDay: 2,
    maxAttemptsPerCampaign: 6,
  },
} satisfies Record<string, JurisdictionProfile>;

export type ProfileId = keyof typeof PROFILES;
