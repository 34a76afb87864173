import { z } from "zod";
import { EntityId, envelopeShape } from "./common.ts";

export const AgentState = z.enum(["ready", "reserved", "on_call", "wrap_up", "paused", "logged_out"]);
export const PauseReason = z.enum([
  "break",
  "lunch",
  "meeting",
  "training",
  "coaching",
  "technical",
  "other",
]);
export const SkillLevel = z.object({ skill: EntityId, level: z.number().int().min(1).max(10) });

const agentShape = { ...envelopeShape, agent_id: EntityId };

export const AgentLogin = z.object({
  ...agentShape,
  kind: z.literal("agent.login"),
  team_id: EntityId,
  skills: z.array(SkillLevel).max(64),
  campaign_id: EntityId.optional(),
});

export const AgentLogout = z.object({
  ...agentShape,
  kind: z.literal("agent.logout"),
  reason: z.enum(["end_of_shift", "forced", "disconnected", "other"]).default("end_of_shift"),
});

export const AgentStateChanged = z
  .object({
    ...agentShape,
    kind: z.literal("agent.state_changed"),
    state: AgentState,
    previous_state: AgentState,
    /** Seconds spent in previous_state, so per-state time sums need no window functions. */
    previous_state_s: z.number().nonnegative(),
    pause_reason: PauseReason.optional(),
    campaign_id: EntityId.optional(),
    attempt_id: EntityId.optional(),
    team_id: EntityId.optional(),
  })
  .refine((e) => e.state !== "paused" || e.pause_reason !== undefined, {
    message: "pause_reason is required when state is paused",
    path: ["pause_reason"],
  });

export const AgentSkillsChanged = z.object({
  ...agentShape,
  kind: z.literal("agent.skills_changed"),
  skills: z.array(SkillLevel).max(64),
});

/** The agent's phone (SIP softphone or the console's WebRTC softphone) joined or left the switch. */
export const AgentDevice = z.object({
  ...agentShape,
  kind: z.literal("agent.device"),
  state: z.enum(["connected", "disconnected"]),
  device: z.enum(["webrtc", "sip"]),
  /** Why it left: "phone_hung_up", "replaced", "switch_restarted", "media_restarted"… */
  reason: z.string().max(64).optional(),
});

/**
 * A supervisor listened to, whispered to or barged into an agent's call (audit: one event when
 * it starts, one when it ends, with how long).
 */
export const AgentMonitored = z.object({
  ...agentShape,
  kind: z.literal("agent.monitored"),
  supervisor_id: EntityId,
  attempt_id: EntityId,
  mode: z.enum(["listen", "whisper", "barge"]),
  phase: z.enum(["started", "ended"]),
  /** Seconds monitored (ended only). */
  duration_s: z.number().nonnegative().optional(),
  /** Why it ended: "supervisor", "call_ended", "mode_changed", "phone_lost", "error". */
  reason: z.string().max(64).optional(),
});

export const agentEvents = [
  AgentLogin,
  AgentLogout,
  AgentStateChanged,
  AgentSkillsChanged,
  AgentDevice,
  AgentMonitored,
] as const;
