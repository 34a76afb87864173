// The generator lives in @cc/analytics (npm start seeds the demo's history with it); the
// benchmark sizes live here.
import type { HistoryOptions } from "@cc/analytics";

export { generateHistory, type HistoryOptions, type HistorySummary } from "@cc/analytics";

/** Sizes: ~100M events at full size, ~3M with --quick. */
export function historySize(quick: boolean): Pick<HistoryOptions, "attempts" | "leads" | "days" | "agents"> {
  return quick
    ? { attempts: 800_000, leads: 300_000, days: 7, agents: 100 }
    : { attempts: 23_000_000, leads: 8_000_000, days: 30, agents: 500 };
}
