import { type EventOf, EventSchema, parseStoredJson, SkillLevel } from "@cc/ingest";
import { pino } from "pino";
import { z } from "zod";
import { CALL_STAGES, type CallStage, liveKeys } from "./keys.ts";
import type { LiveRedis } from "./projector.ts";

const log = pino({ name: "live-state" });
/** Keys already reported: a bad value is read every second by the wallboard, logged once. */
const reported = new Set<string>();

/** Live state the projector wrote, read back through a schema; a bad value is skipped and logged. */
function readStored<S extends z.ZodType>(schema: S, raw: string, where: string): z.infer<S> | null {
  const r = parseStoredJson(schema, raw);
  if (r.ok) return r.value;
  if (!reported.has(where) && reported.size < 10_000) {
    reported.add(where);
    log.warn({ where, reason: r.reason }, "invalid live state in Redis ignored");
  }
  return null;
}

const StoredSkills = z.array(SkillLevel);
const StoredCall = z.object({
  stage: z.enum(CALL_STAGES),
  since: z.number().optional(),
  lead: z.string().optional(),
  agent: z.string().optional(),
  skill: z.string().optional(),
});
const StoredPacing = z.unknown().transform((v, ctx) => {
  const r = EventSchema.safeParse(v);
  if (r.success && r.data.kind === "pacing.decision") return r.data;
  ctx.addIssue({ code: "custom", message: "not a pacing.decision event" });
  return z.NEVER;
});

/**
 * Who is looking: the same shape as reports' VisibilityScope. `orgId` always applies; an
 * absent list = no restriction, [] = nothing; agentIds ∪ teamIds decide agent visibility.
 */
export interface LiveScope {
  orgId: string;
  agentIds?: string[];
  teamIds?: string[];
  campaignIds?: string[];
}

export interface LiveAgent {
  agentId: string;
  state: string;
  /** Epoch ms when the current state began. */
  since: number;
  secondsInState: number;
  campaign: string;
  team: string;
  skills: Array<{ skill: string; level: number }>;
  pauseReason: string;
  /** The agent's phone on the switch ("webrtc" or "sip"), "" when none is connected. */
  device: string;
  /** The last call bridged to this agent (kept through wrap-up for the disposition). */
  call: { attempt: string; lead: string; campaign: string; since: number } | null;
}

export interface LiveCall {
  attempt: string;
  campaign: string;
  stage: CallStage;
  since: number;
  lead: string;
  agent: string;
  skill: string;
}

export interface LiveCampaignCalls {
  campaign: string;
  /** created + dialing + ringing */
  dialing: number;
  /** live answers waiting for an agent */
  waiting: number;
  /** bridged to an agent */
  talking: number;
  /** answered by a machine, being handled by the campaign rule */
  machine: number;
  calls: LiveCall[];
}

export type LivePacingDecision = EventOf<"pacing.decision">;

/** Calls older than this in one stage are treated as lost (a missed end event). */
export const STALE_CALL_MS = 2 * 3_600_000;

function agentRestricted(s: LiveScope) {
  return s.agentIds !== undefined || s.teamIds !== undefined;
}

export function liveAgentVisible(s: LiveScope, agentId: string, team: string): boolean {
  if (!agentRestricted(s)) return true;
  if (s.agentIds?.includes(agentId)) return true;
  return team !== "" && (s.teamIds?.includes(team) ?? false);
}

export function liveCampaignVisible(s: LiveScope, campaign: string): boolean {
  return s.campaignIds === undefined || s.campaignIds.includes(campaign);
}

function parseAgent(h: Record<string, string>, now: number): LiveAgent | null {
  if (!h.agent_id || !h.state) return null;
  const since = Number(h.since ?? now);
  const skills = h.skills ? (readStored(StoredSkills, h.skills, `agent ${h.agent_id} skills`) ?? []) : [];
  return {
    agentId: h.agent_id,
    state: h.state,
    since,
    secondsInState: Math.max(0, (now - since) / 1000),
    campaign: h.campaign ?? "",
    team: h.team ?? "",
    skills,
    pauseReason: h.pause_reason ?? "",
    device: h.device ?? "",
    call: h.call_attempt
      ? {
          attempt: h.call_attempt,
          lead: h.call_lead ?? "",
          campaign: h.call_campaign ?? "",
          since: Number(h.call_since ?? 0),
        }
      : null,
  };
}

export async function readLiveAgent(
  redis: LiveRedis,
  orgId: string,
  agentId: string,
  now = Date.now(),
): Promise<LiveAgent | null> {
  return parseAgent(await redis.hGetAll(liveKeys.agent(orgId, agentId)), now);
}

/** Logged-in agents visible to the scope, sorted by id. */
export async function readLiveAgents(
  redis: LiveRedis,
  scope: LiveScope,
  now = Date.now(),
): Promise<LiveAgent[]> {
  const ids = await redis.sMembers(liveKeys.agents(scope.orgId));
  const candidates =
    scope.agentIds !== undefined && scope.teamIds === undefined
      ? ids.filter((id) => scope.agentIds?.includes(id))
      : ids;
  const hashes = await Promise.all(candidates.map((id) => redis.hGetAll(liveKeys.agent(scope.orgId, id))));
  const out: LiveAgent[] = [];
  for (const h of hashes) {
    const a = parseAgent(h, now);
    if (a && a.state !== "logged_out" && liveAgentVisible(scope, a.agentId, a.team)) out.push(a);
  }
  return out.sort((a, b) => a.agentId.localeCompare(b.agentId));
}

export async function readLiveCampaignIds(redis: LiveRedis, scope: LiveScope): Promise<string[]> {
  const all = await redis.sMembers(liveKeys.campaigns(scope.orgId));
  return all.filter((c) => liveCampaignVisible(scope, c)).sort();
}

/**
 * Calls in flight per visible campaign. A scope restricted to agents but not campaigns
 * (an agent) sees only calls bridged to visible agents.
 */
export async function readLiveCalls(
  redis: LiveRedis,
  scope: LiveScope,
  now = Date.now(),
): Promise<LiveCampaignCalls[]> {
  const campaigns = await readLiveCampaignIds(redis, scope);
  const hashes = await Promise.all(campaigns.map((c) => redis.hGetAll(liveKeys.calls(scope.orgId, c))));
  const onlyAgents = agentRestricted(scope) && scope.campaignIds === undefined;
  const out: LiveCampaignCalls[] = [];
  campaigns.forEach((campaign, i) => {
    const row: LiveCampaignCalls = { campaign, dialing: 0, waiting: 0, talking: 0, machine: 0, calls: [] };
    for (const [attempt, json] of Object.entries(hashes[i] ?? {})) {
      const c = readStored(StoredCall, json, `call ${campaign}/${attempt}`);
      if (!c) continue;
      const stage: CallStage = c.stage;
      const since = Number(c.since ?? 0);
      if (now - since > STALE_CALL_MS) continue;
      const call: LiveCall = {
        attempt,
        campaign,
        stage,
        since,
        lead: c.lead ?? "",
        agent: c.agent ?? "",
        skill: c.skill ?? "",
      };
      if (onlyAgents && !(call.agent && scope.agentIds?.includes(call.agent))) continue;
      row.calls.push(call);
      if (stage === "talking") row.talking++;
      else if (stage === "waiting") row.waiting++;
      else if (stage === "machine") row.machine++;
      else row.dialing++;
    }
    if (!onlyAgents || row.calls.length > 0) out.push(row);
  });
  return out;
}

/** The latest pacing decision per visible campaign. */
export async function readLatestPacing(
  redis: LiveRedis,
  scope: LiveScope,
): Promise<Record<string, LivePacingDecision>> {
  const campaigns = await readLiveCampaignIds(redis, scope);
  const jsons = await Promise.all(campaigns.map((c) => redis.hGet(liveKeys.pacing(scope.orgId, c), "json")));
  const out: Record<string, LivePacingDecision> = {};
  campaigns.forEach((c, i) => {
    const j = jsons[i];
    const decision = j ? readStored(StoredPacing, j, `pacing ${c}`) : null;
    if (decision) out[c] = decision;
  });
  return out;
}

/** Orgs that have live state (for per-process tickers that serve every org). */
export async function readLiveOrgs(redis: LiveRedis): Promise<string[]> {
  return (await redis.sMembers(liveKeys.orgs())).sort();
}
