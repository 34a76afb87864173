import { z } from "zod";
import { E164, EntityId, envelopeShape, NonNegMillis, NonNegSeconds, UtcMillis } from "./common.ts";

export const DialMode = z.enum(["preview", "progressive", "predictive"]);
export const Detection = z.enum(["human", "machine", "fax", "unknown"]);
export const FailureCause = z.enum([
  "busy",
  "invalid_number",
  "no_answer",
  "rejected",
  "unreachable",
  "network",
  "cancelled",
]);
/** Outcome scale from the brief: A (appointment) … F (powered off / empty number). */
export const Disposition = z.enum(["A", "B", "C", "D", "E", "F"]);
export const HangupBy = z.enum(["customer", "agent", "system", "network"]);

/** Every call event names its attempt, campaign and lead so funnels need no joins. */
const callShape = {
  ...envelopeShape,
  attempt_id: EntityId,
  campaign_id: EntityId,
  lead_id: EntityId,
};

export const CallAttemptCreated = z.object({
  ...callShape,
  kind: z.literal("call.attempt_created"),
  phone: E164,
  caller_id: E164,
  mode: DialMode,
  attempt_no: z.number().int().min(1),
  list_id: EntityId.optional(),
  skill: EntityId.optional(),
  /** Pacing decision that launched it, for audit. */
  decision_id: z.string().optional(),
});

export const CallDialing = z.object({
  ...callShape,
  kind: z.literal("call.dialing"),
  trunk: z.string().optional(),
});

export const CallRinging = z.object({ ...callShape, kind: z.literal("call.ringing") });

export const CallAnswered = z.object({
  ...callShape,
  kind: z.literal("call.answered"),
  detection: Detection,
  detect_ms: NonNegMillis,
  /** Why call progress analysis decided so (e.g. "short_greeting_then_silence", "beep"). */
  detect_reason: z.string().max(64).optional(),
  /** Seconds from dial to answer. */
  ring_s: NonNegSeconds,
});

export const CallFailed = z.object({
  ...callShape,
  kind: z.literal("call.failed"),
  cause: FailureCause,
  sip_code: z.number().int().min(100).max(699).optional(),
  ring_s: NonNegSeconds,
  /** What was heard or said beyond the cause: "announcement:powered_off", "sit:IC", "ring_timeout"… */
  detail: z.string().max(200).optional(),
});

/** Why an attempt was not dialed at all (the media service's second line of compliance). */
export const BlockReason = z.enum([
  "dnc",
  "blacklist",
  "outside_window",
  "max_attempts",
  "no_consent",
  "timezone_unknown",
  "expired",
  "no_route",
  "unknown_campaign",
]);

export type BlockReason = z.infer<typeof BlockReason>;

export const CallBlocked = z.object({
  ...callShape,
  kind: z.literal("call.blocked"),
  reason: BlockReason,
  phone: E164,
  decision_id: z.string().optional(),
});

export const CallBridged = z.object({
  ...callShape,
  kind: z.literal("call.bridged"),
  agent_id: EntityId,
  /** From answer (or detection) to the agent's leg bridged. */
  wait_ms: NonNegMillis,
});

export const CallAbandoned = z.object({
  ...callShape,
  kind: z.literal("call.abandoned"),
  ms_from_answer: NonNegMillis,
  message_played: z.boolean(),
  /** Measured delay from live answer to the start of the recorded message (2-second rule). */
  message_delay_ms: NonNegMillis.optional(),
  /** A live person classified as a machine and hung up on (counts as abandoned under Ofcom). */
  amd_false_positive: z.boolean().default(false),
});

export const CallEnded = z.object({
  ...callShape,
  kind: z.literal("call.ended"),
  agent_id: EntityId.optional(),
  ring_s: NonNegSeconds,
  talk_s: NonNegSeconds,
  hold_s: NonNegSeconds,
  wrap_s: NonNegSeconds,
  hangup_by: HangupBy,
});

export const CallDispositioned = z.object({
  ...callShape,
  kind: z.literal("call.disposition"),
  agent_id: EntityId.optional(),
  disposition: Disposition,
  notes: z.string().max(4_000).default(""),
  next_contact_at: UtcMillis.optional(),
  set_by: z.enum(["agent", "auto"]),
});

/**
 * Media quality of one leg of a call, at its end: how that party heard the call, from the RTCP
 * reports rtpengine saw (MOS, jitter, loss, round trip), or the project's E-model estimate where
 * rtpengine had loss and jitter but no round trip (source "estimate"), or nothing (source "none":
 * the party sent no RTCP). `customer` = the carrier leg, `agent` = the agent's phone.
 */
export const CallQuality = z.object({
  ...callShape,
  kind: z.literal("call.quality"),
  leg: z.enum(["customer", "agent"]),
  agent_id: EntityId.optional(),
  trunk: z.string().max(64).optional(),
  source: z.enum(["rtpengine", "estimate", "none"]),
  /** Mean opinion score 1–5 (average over the call's reports); absent when unknown. */
  mos: z.number().min(1).max(5).optional(),
  mos_min: z.number().min(1).max(5).optional(),
  jitter_ms: z.number().nonnegative().optional(),
  loss_pct: z.number().min(0).max(100).optional(),
  rtt_ms: z.number().nonnegative().optional(),
  /** RTCP quality reports behind the figures. */
  samples: z.number().int().nonnegative(),
  /** RTP packets rtpengine received from this party. */
  packets: z.number().int().nonnegative(),
});

export const callEvents = [
  CallAttemptCreated,
  CallDialing,
  CallRinging,
  CallAnswered,
  CallFailed,
  CallBlocked,
  CallBridged,
  CallAbandoned,
  CallEnded,
  CallDispositioned,
  CallQuality,
] as const;
