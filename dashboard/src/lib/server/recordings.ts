// Call recordings in the dashboard: the list (filtered by the viewer's scope), the playback
// decision (an agent their own calls, a supervisor or manager their teams' agents, a director or
// admin all), the audit event every playback or download writes, and where a file is on disk.
// The media service stores the files under CC_DATA_DIR/recordings/<org>/<day>/ and their metadata
// in ClickHouse (`recordings`, migration 090); this side only reads both.
import path from "node:path";
import { z } from "zod";
import { clickhouseFilter, type Scope } from "./auth/scope.ts";
import type { SessionUser } from "./auth/types.ts";
import { clickhouse } from "./clickhouse.ts";
import { config } from "./config.ts";
import { publish } from "./nats.ts";

export interface RecordingRow {
  attempt_id: string;
  campaign_id: string;
  agent_id: string;
  started_at: string;
  duration_ms: number;
  bytes: number;
  sha256: string;
  path: string;
  mono_path: string;
  mono_sha256: string;
  lost_packets: number;
}

export const RecordingFilters = z.object({
  agent: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .optional()
    .or(z.literal("").transform(() => undefined)),
  campaign: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .optional()
    .or(z.literal("").transform(() => undefined)),
  from: z.iso
    .date()
    .optional()
    .or(z.literal("").transform(() => undefined)),
  to: z.iso
    .date()
    .optional()
    .or(z.literal("").transform(() => undefined)),
});
export type RecordingFilters = z.infer<typeof RecordingFilters>;

const COLUMNS = `attempt_id, campaign_id, agent_id,
  formatDateTime(started_at, '%Y-%m-%dT%H:%i:%S.%fZ', 'UTC') AS started_iso,
  duration_ms, toUInt64(bytes) AS bytes, sha256, path, mono_path, mono_sha256, lost_packets`;

const NOT_DELETED = `attempt_id NOT IN (SELECT attempt_id FROM recording_deletions WHERE org_id = {scope_org:String})`;

/** Recordings the viewer may hear, newest first (at most 500). */
export async function listRecordings(scope: Scope, f: RecordingFilters): Promise<RecordingRow[]> {
  const filter = clickhouseFilter(scope, { org: "org_id", agent: "agent_id" });
  const rs = await clickhouse().query({
    query: `SELECT ${COLUMNS} FROM recordings FINAL
      WHERE ${filter.sql} AND ${NOT_DELETED}
        AND ({agent:String} = '' OR agent_id = {agent:String})
        AND ({campaign:String} = '' OR campaign_id = {campaign:String})
        AND started_at >= fromUnixTimestamp64Milli({from_ms:Int64})
        AND started_at < fromUnixTimestamp64Milli({to_ms:Int64})
      ORDER BY started_at DESC LIMIT 500`,
    query_params: {
      ...filter.params,
      agent: f.agent ?? "",
      campaign: f.campaign ?? "",
      // Whole UTC days; no bound = all of it.
      from_ms: f.from ? Date.parse(`${f.from}T00:00:00Z`) : 0,
      to_ms: f.to ? Date.parse(`${f.to}T00:00:00Z`) + 86_400_000 : 4_102_444_800_000,
    },
    format: "JSONEachRow",
  });
  return (await rs.json<Parameters<typeof numbers>[0]>()).map(numbers);
}

/** One recording of the org, whoever may hear it (the decision is `mayHear`'s). */
export async function findRecording(orgId: string, attemptId: string): Promise<RecordingRow | null> {
  const rs = await clickhouse().query({
    query: `SELECT ${COLUMNS} FROM recordings FINAL
      WHERE org_id = {scope_org:String} AND attempt_id = {attempt:String} AND ${NOT_DELETED} LIMIT 1`,
    query_params: { scope_org: orgId, attempt: attemptId },
    format: "JSONEachRow",
  });
  const row = (await rs.json<Parameters<typeof numbers>[0]>())[0];
  return row ? numbers(row) : null;
}

// started_iso: an alias named started_at would shadow the column in WHERE and ORDER BY.
const numbers = ({
  started_iso,
  ...r
}: Omit<RecordingRow, "started_at"> & { started_iso: string }): RecordingRow => ({
  ...r,
  started_at: started_iso,
  duration_ms: Number(r.duration_ms),
  bytes: Number(r.bytes),
  lost_packets: Number(r.lost_packets),
});

export type AccessReason = "own_call" | "team_call" | "all_calls" | "not_in_scope";

/** Whether this person may hear the call recorded by `agentId`, and why (for the audit). */
export function mayHear(
  user: SessionUser,
  scope: Scope,
  agentId: string,
): { allowed: boolean; reason: AccessReason } {
  if (user.role === "analyst") return { allowed: false, reason: "not_in_scope" };
  if (user.role === "agent")
    return user.agentId && user.agentId === agentId
      ? { allowed: true, reason: "own_call" }
      : { allowed: false, reason: "not_in_scope" };
  if (scope.agentIds === undefined && scope.teamIds === undefined)
    return { allowed: true, reason: "all_calls" };
  return scope.agentIds?.includes(agentId)
    ? { allowed: true, reason: "team_call" }
    : { allowed: false, reason: "not_in_scope" };
}

/** The audit event of one playback or download (allowed or not). */
export async function auditAccess(o: {
  user: SessionUser;
  attemptId: string;
  action: "play" | "download";
  allowed: boolean;
  reason: AccessReason | "not_found" | "file_missing";
  row?: RecordingRow | null;
}): Promise<void> {
  await publish({
    kind: "recording.accessed",
    org_id: o.user.org,
    attempt_id: o.attemptId,
    ...(o.row?.campaign_id ? { campaign_id: o.row.campaign_id } : {}),
    ...(o.row?.agent_id ? { agent_id: o.row.agent_id } : {}),
    user: o.user.username,
    role: o.user.role,
    action: o.action,
    allowed: o.allowed,
    reason: o.reason,
  });
}

const RECORDING_PATH = /^recordings\/[A-Za-z0-9_-]+\/\d{4}-\d{2}-\d{2}\/[A-Za-z0-9_-]+(\.mono)?\.wav$/;

/** Absolute path of a stored recording, or null (no data dir configured, or a path we refuse). */
export function recordingFile(rel: string): string | null {
  const dataDir = config().CC_DATA_DIR;
  if (!dataDir || !RECORDING_PATH.test(rel)) return null;
  const root = path.resolve(dataDir, "recordings");
  const abs = path.resolve(dataDir, rel);
  return abs.startsWith(`${root}${path.sep}`) ? abs : null;
}

/** `Range: bytes=a-b` of a file of `size` bytes: the slice, null for the whole file, "bad" if unsatisfiable. */
export function byteRange(
  header: string | null,
  size: number,
): { start: number; end: number } | null | "bad" {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return "bad";
  let start: number;
  let end: number;
  if (m[1] === "") {
    const suffix = Number(m[2]);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start > end || start >= size) return "bad";
  return { start, end };
}

export interface RecordingFailure {
  attempt_id: string;
  agent_id: string;
  campaign_id: string;
  reason: string;
  at: string;
}

const failureCache = new Map<string, { at: number; rows: RecordingFailure[] }>();

/** Recording failures (alarms) of the last hour, for the wallboard's warning; cached 5 s per org. */
export async function recentRecordingFailures(orgId: string, now = Date.now()): Promise<RecordingFailure[]> {
  const hit = failureCache.get(orgId);
  if (hit && now - hit.at < 5_000) return hit.rows;
  const rs = await clickhouse().query({
    query: `SELECT attempt_id, agent_id, campaign_id, reason,
        formatDateTime(occurred_at, '%Y-%m-%dT%H:%i:%S.%fZ', 'UTC') AS at
      FROM recording_failures
      WHERE org_id = {org:String} AND occurred_at >= fromUnixTimestamp64Milli({since:Int64})
      ORDER BY occurred_at DESC LIMIT 50`,
    query_params: { org: orgId, since: now - 3_600_000 },
    format: "JSONEachRow",
  });
  const rows = await rs.json<RecordingFailure>();
  failureCache.set(orgId, { at: now, rows });
  return rows;
}
