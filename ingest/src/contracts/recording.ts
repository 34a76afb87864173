// Call recordings: where each bridged call's audio was stored (and with what checksum), when
// recording failed for a call (an alarm: compliance needs every call), when retention deleted a
// file, and who played or downloaded one (every access, allowed or refused, for the audit).
import { z } from "zod";
import { EntityId, envelopeShape, NonNegInt, NonNegMillis, UtcMillis } from "./common.ts";

/** Path of a recording relative to the data dir, e.g. recordings/acme/2026-01-31/<attempt>.wav. */
const RecordingPath = z
  .string()
  .max(512)
  .regex(/^recordings\/[A-Za-z0-9_./-]+\.wav$/, "must be a path under recordings/ ending in .wav")
  .refine((p) => !p.split("/").includes(".."), "must not contain '..'");

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, "must be a lowercase hex sha256");

const recordingShape = {
  ...envelopeShape,
  attempt_id: EntityId,
  campaign_id: EntityId.optional(),
  agent_id: EntityId.optional(),
};

export const RecordingStored = z.object({
  ...recordingShape,
  kind: z.literal("recording.stored"),
  /** When recording began (the bridge). */
  started_at: UtcMillis,
  duration_ms: NonNegMillis,
  /** Size of the stereo file (customer left, agent right). */
  bytes: NonNegInt,
  sha256: Sha256,
  path: RecordingPath,
  channels: z.literal(2),
  sample_rate: z.literal(8000),
  /** The mono mix beside it (both voices in one channel), with its own checksum. */
  mono_path: RecordingPath.optional(),
  mono_sha256: Sha256.optional(),
  /** RTP packets the file was built from, and how many were lost on the way (gaps filled with silence). */
  packets: NonNegInt,
  lost_packets: NonNegInt,
});

export const RecordingFailure = z.enum([
  "start_failed",
  "pcap_missing",
  "no_audio",
  "convert_failed",
  "store_failed",
]);

/** An alarm: a bridged call has no playable recording. rtpengine's pcap is kept when there is one. */
export const RecordingFailed = z.object({
  ...recordingShape,
  kind: z.literal("recording.failed"),
  reason: RecordingFailure,
  detail: z.string().max(500).optional(),
  /** The pcap left in rtpengine's spool for a manual retry, if any. */
  pcap_kept: z.string().max(512).optional(),
});

export const RecordingDeleted = z.object({
  ...recordingShape,
  kind: z.literal("recording.deleted"),
  path: RecordingPath,
  reason: z.enum(["retention"]),
  age_days: z.number().int().nonnegative().max(36_500),
});

/** One playback or download in the dashboard, allowed or refused. */
export const RecordingAccessed = z.object({
  ...recordingShape,
  kind: z.literal("recording.accessed"),
  user: z.string().min(1).max(64),
  role: z.string().min(1).max(32),
  action: z.enum(["play", "download"]),
  allowed: z.boolean(),
  reason: z.enum(["own_call", "team_call", "all_calls", "not_in_scope", "not_found", "file_missing"]),
});

export const recordingEvents = [
  RecordingStored,
  RecordingFailed,
  RecordingDeleted,
  RecordingAccessed,
] as const;
