// Retry rules by outcome: busy soon, no answer later, machine at another time of day, invalid
// and fax never. Limits per number per local day and per campaign come from the profile.
import type { CallOutcome } from "../sim/runner.ts";

export interface RetryRules {
  /** Seconds until the next attempt per outcome; null = never again. */
  delayS: Record<CallOutcome, number | null>;
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
