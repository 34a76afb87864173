import { z } from "zod";
import { DialMode } from "./call.ts";
import { EntityId, envelopeShape, NonNegInt } from "./common.ts";

/** Every pacing decision is published so wallboards and analysts can audit the dialer. */
export const PacingDecision = z.object({
  ...envelopeShape,
  kind: z.literal("pacing.decision"),
  decision_id: z.string().min(1).max(64),
  campaign_id: EntityId,
  mode: DialMode,
  algorithm: z.string().min(1).max(64),
  launch: NonNegInt,
  agents_logged_in: NonNegInt,
  agents_ready: NonNegInt,
  attempts_in_flight: NonNegInt,
  expected_agents_free: z.number().nonnegative(),
  expected_live_answers: z.number().nonnegative(),
  predicted_abandon_probability: z.number().min(0).max(1),
  abandon_budget_left: z.number(),
  /** Inputs and reasoning in free form (estimates used, guards applied). */
  explanation: z.record(z.string(), z.unknown()),
  /** Event → decision latency measured by the service. */
  latency_ms: z.number().nonnegative().optional(),
});

export const pacingEvents = [PacingDecision] as const;
