import { z } from "zod";
import { EntityId, envelopeShape, NonNegMillis, NonNegSeconds } from "./common.ts";

/** Who the caller is, by the caller-ID lookup when the call arrives. */
export const CallerClass = z.enum(["new", "existing", "blacklisted"]);
/** Which rule picked the agent: the customer's owner, the last agent who spoke to them, or anyone. */
export const StickyRule = z.enum(["owner", "last_agent", "none"]);

/**
 * Every inbound event names the call (`attempt_id`, so the raw table's attempt column and its
 * bloom filter serve inbound calls too), the number dialled and the caller as presented.
 */
const inboundShape = {
  ...envelopeShape,
  attempt_id: EntityId,
  did: z.string().min(1).max(32),
  /** Caller id, normalised to E.164 where it could be ("+86…"), else as the carrier sent it. */
  caller: z.string().max(32),
  lead_id: EntityId.optional(),
};

export const InboundOffered = z.object({
  ...inboundShape,
  kind: z.literal("inbound.offered"),
  caller_class: CallerClass,
  owner_agent_id: EntityId.optional(),
  /** Caller-ID lookup time (Redis index), for the p95 ≤ 50 ms target. */
  lookup_ms: z.number().nonnegative().max(60_000),
});

export const InboundRefused = z.object({
  ...inboundShape,
  kind: z.literal("inbound.refused"),
  reason: z.enum(["blacklisted", "no_menu", "media_error"]),
  sip_code: z.number().int().min(400).max(699),
});

export const InboundQueued = z.object({
  ...inboundShape,
  kind: z.literal("inbound.queued"),
  queue: EntityId,
  /** IVR digits that led here ("" when the number goes straight to a queue). */
  path: z.string().max(32),
  position: z.number().int().min(1),
  expected_wait_s: NonNegSeconds,
  /** Set when the call moved here from another queue after waiting too long there. */
  overflow_from: EntityId.optional(),
});

export const InboundAnswered = z.object({
  ...inboundShape,
  kind: z.literal("inbound.answered"),
  queue: EntityId,
  agent_id: EntityId,
  /** From entering the queue (or the first one, after overflow) to the agent's bridge. */
  wait_ms: NonNegMillis,
  /** From our 200 OK to the bridge (IVR time included). */
  answer_to_agent_ms: NonNegMillis,
  sticky: StickyRule,
});

export const InboundAbandoned = z.object({
  ...inboundShape,
  kind: z.literal("inbound.abandoned"),
  stage: z.enum(["ivr", "queue"]),
  queue: EntityId.optional(),
  wait_ms: NonNegMillis,
});

export const InboundCallbackRequested = z.object({
  ...inboundShape,
  kind: z.literal("inbound.callback_requested"),
  queue: EntityId,
  /** Campaign whose list should take the call-back (the queue's, when configured). */
  campaign_id: EntityId.optional(),
  expected_wait_s: NonNegSeconds,
});

export const InboundVoicemail = z.object({
  ...inboundShape,
  kind: z.literal("inbound.voicemail"),
  /** WAV file under the media service's data dir. */
  file: z.string().max(500),
  duration_s: NonNegSeconds,
});

export const InboundEnded = z.object({
  ...inboundShape,
  kind: z.literal("inbound.ended"),
  agent_id: EntityId.optional(),
  queue: EntityId.optional(),
  talk_s: NonNegSeconds,
  hangup_by: z.enum(["customer", "agent", "system", "network"]),
});

export const inboundEvents = [
  InboundOffered,
  InboundRefused,
  InboundQueued,
  InboundAnswered,
  InboundAbandoned,
  InboundCallbackRequested,
  InboundVoicemail,
  InboundEnded,
] as const;
