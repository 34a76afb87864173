// Commands are contracts too: the pacing service decides, the media service executes. A dial
// command names one attempt; the attempt id is its idempotency key end to end (JetStream
// Nats-Msg-Id on publish, a Redis claim in the media service before the INVITE).
import { z } from "zod";
import { DialMode } from "./call.ts";
import { E164, EntityId, UtcMillis } from "./common.ts";

export const DialCommand = z.object({
  kind: z.literal("cmd.dial"),
  attempt_id: EntityId,
  org_id: EntityId,
  campaign_id: EntityId,
  lead_id: EntityId,
  phone: E164,
  caller_id: E164,
  mode: DialMode,
  attempt_no: z.number().int().min(1),
  /** The pacing decision that launched it. */
  decision_id: z.string().min(1).max(64),
  /** The lead's own IANA zone when known (calling windows), else the number's country decides. */
  tz: z.string().max(64).optional(),
  consent: z.boolean().optional(),
  skill: EntityId.optional(),
  /**
   * The agent the lead was taken for (their own lead, call-back or a lead taken while they were
   * ready, in preview/progressive): media reserves and bridges them first. Optional so older
   * producers and predictive commands (taken for the campaign) still validate.
   */
  agent_id: EntityId.optional(),
  /** The decision's estimate that this launch ends abandoned, for audit. */
  predicted_abandon: z.number().min(0).max(1).optional(),
  issued_at: UtcMillis,
  /** A predictive decision is only valid for a moment: never dial a command after this. */
  expires_at: UtcMillis,
});
export type DialCommand = z.infer<typeof DialCommand>;

/** Durable log of commands (separate from facts: commands expire, facts do not). */
export const COMMANDS_STREAM = "CC_COMMANDS";
export const COMMANDS_SUBJECT_PREFIX = "cc.cmd";

/** cc.cmd.dial.<org>.<campaign> */
export function dialSubject(orgId: string, campaignId: string): string {
  return `${COMMANDS_SUBJECT_PREFIX}.dial.${orgId}.${campaignId}`;
}

/** Interactive requests to the media service (request/reply, not durable): cc.req.media.<org>.<verb>. */
export function mediaRequestSubject(orgId: string, verb: "hangup" | "status" | "monitor"): string {
  return `cc.req.media.${orgId}.${verb}`;
}

export const HangupRequest = z.object({
  agent_id: EntityId,
  attempt_id: EntityId,
});
export type HangupRequest = z.infer<typeof HangupRequest>;

export const MonitorMode = z.enum(["listen", "whisper", "barge"]);
export type MonitorMode = z.infer<typeof MonitorMode>;

/**
 * A supervisor joins (or leaves: mode "stop") an agent's live call through their own phone.
 * The dashboard authenticates the supervisor and names the teams they may monitor (`teams`,
 * null = every team, a director); the media service checks the agent against it again.
 */
export const MonitorRequest = z.object({
  supervisor_id: EntityId,
  agent_id: EntityId,
  mode: z.union([MonitorMode, z.literal("stop")]),
  teams: z.array(EntityId).max(256).nullable(),
});
export type MonitorRequest = z.infer<typeof MonitorRequest>;
