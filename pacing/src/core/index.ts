// Public surface of the decision core.
import { predictive } from "./predictive.ts";
import { preview, progressive } from "./progressive.ts";
import type { PacingAlgorithm, PacingDecision, PacingSnapshot } from "./types.ts";

export { budgetLeft, campaignAgents, countStates, freeLines } from "./common.ts";
export * from "./dist.ts";
export * from "./estimators.ts";
export {
  DEFAULT_PREDICTIVE,
  decidePredictive,
  type PredictiveConfig,
  poissonBinomial,
  predictive,
} from "./predictive.ts";
export { preview, progressive } from "./progressive.ts";
export * from "./types.ts";
export {
  DEFAULT_VICIDIAL,
  type DropMethod,
  type VicidialConfig,
  type VicidialState,
  vicidial,
} from "./vicidial.ts";

/** The product's pacer: dispatches on the campaign's mode (preview, progressive, predictive). */
export function pacerForMode(): PacingAlgorithm<null> {
  const byMode = { preview: preview(), progressive: progressive(), predictive: predictive() };
  return {
    name: "campaign-mode",
    initial: () => null,
    decide(s: PacingSnapshot): { decision: PacingDecision; state: null } {
      return byMode[s.campaign.mode].decide(s, null);
    },
  };
}
