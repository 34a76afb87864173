// Retry rules by outcome: busy soon, no answer later, machine at another time of day, invalid
// and fax never. Each outcome also has a maximum number of retries (a lead that was busy five
// times is closed even when the campaign allows more attempts). Limits per number per local day
// and per campaign come from the profile. Campaigns override any of this (campaigns.ts `retry`).
import type { CallOutcome } from "../sim/runner.ts";

export interface RetryRules {
  /** Seconds until the next attempt per outcome; null = never again. */
  delayS: Record<CallOutcome, number | null>;
  /** Most retries after this outcome (counted per lead); absent = only the attempt limits apply. */
  maxRetries: Partial<Record<CallOutcome, number>>;
}

export const DEFAULT_RETRY_RULES: RetryRules = {
  delayS: {
    busy: 10 * 60,
    no_answer: 2 * 3600,
    rejected: 4 * 3600,
    // "another time of day": four hours later (deferred to the next window if that is closed)
    machine: 4 * 3600,
    unreachable: 24 * 3600,
    network: 5 * 60,
    cancelled: 60,
    live_abandoned: 3600,
    invalid_number: null,
    fax: null,
    live_connected: null,
  },
  maxRetries: { busy: 5, no_answer: 4, machine: 3, network: 5, unreachable: 2 },
};

/** When to try again (epoch ms) or null for never. */
export function nextAttemptAt(
  outcome: CallOutcome,
  now: number,
  rules: RetryRules = DEFAULT_RETRY_RULES,
): number | null {
  const d = rules.delayS[outcome];
  return d === null ? null : now + d * 1000;
}

/** The campaign's overrides on top of the defaults: `{ busy: { delay_s: 300, max: 3 } }`. */
export function retryRulesWith(
  overrides: Partial<Record<CallOutcome, { delay_s?: number | null; max?: number }>>,
  base: RetryRules = DEFAULT_RETRY_RULES,
): RetryRules {
  const rules: RetryRules = { delayS: { ...base.delayS }, maxRetries: { ...base.maxRetries } };
  for (const [outcome, o] of Object.entries(overrides) as [
    CallOutcome,
    { delay_s?: number | null; max?: number },
  ][]) {
    if (o.delay_s !== undefined) rules.delayS[outcome] = o.delay_s;
    if (o.max !== undefined) rules.maxRetries[outcome] = o.max;
  }
  return rules;
}
