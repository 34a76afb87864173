// Public surface of the decision core.
import { type PredictiveState, predictive } from "./predictive.ts";
import { preview, progressive } from "./progressive.ts";
import type { PacingAlgorithm, PacingDecision, PacingSnapshot } from "./types.ts";

export {
  budgetLeft,
  campaignAgents,
  channelsInUse,
  countStates,
  freeLines,
  type LineCap,
  lineCap,
} from "./common.ts";
export * from "./dist.ts";
export * from "./estimators.ts";
export {
  abandonGuard,
  type ControllerInput,
  controllerError,
  DEFAULT_PREDICTIVE,
  decidePredictive,
  decidePredictiveWithState,
  type GuardInput,
  initialPredictiveState,
  liveRateMargin,
  type PredictiveConfig,
  type PredictiveState,
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

/** The product's pacer: dispatches on the campaign's mode (preview, progressive, predictive). The
 *  state is the predictive controller's (kept across mode switches; the other modes need none). */
export function pacerForMode(): PacingAlgorithm<PredictiveState | null> {
  const pred = predictive();
  const byMode = { preview: preview(), progressive: progressive() };
  return {
    name: "campaign-mode",
    initial: () => pred.initial(),
    decide(
      s: PacingSnapshot,
      st: PredictiveState | null,
    ): { decision: PacingDecision; state: PredictiveState | null } {
      if (s.campaign.mode === "predictive") return pred.decide(s, st);
      return { decision: byMode[s.campaign.mode].decide(s, null).decision, state: st };
    },
  };
}
