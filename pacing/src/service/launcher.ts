// How a decision becomes calls: take that many leads from the campaign's dialing list and publish
// one dial command per attempt to JetStream (CC_COMMANDS), the attempt id doubling as the
// message id. A command that cannot be published gives its lead back at once.
import { type DialCommand, type EventFields, newEventId, publishDialCommand } from "@cc/ingest";
import type { JetStreamClient } from "@nats-io/jetstream";
import type { CampaignConfig } from "../campaigns.ts";
import type { CampaignSettings } from "../core/types.ts";
import { assignmentEvents } from "../lists/allocation.ts";
import { CLOSING_SKIPS, type RedisDialingList, type TakeResult } from "../lists/dialing-list.ts";

export interface LaunchResult {
  attemptIds: string[];
  /** Leads closed or deferred by the list's rules while taking. */
  skipped: number;
}

export type Launcher = (
  campaign: CampaignSettings,
  decisionId: string,
  count: number,
  perLaunchAbandon: readonly number[],
  /** The campaign's ready agents, longest-waiting first (whose allocated leads go first). */
  readyAgents?: readonly string[],
) => Promise<LaunchResult>;

export interface ListLauncherOptions {
  js: JetStreamClient;
  orgId: string;
  lists: ReadonlyMap<string, RedisDialingList>;
  campaigns: ReadonlyMap<string, CampaignConfig>;
  /** How long a command stays valid (the media service drops older ones as expired). */
  commandTtlMs?: number;
  onPublishError?: (err: unknown, cmd: DialCommand) => void;
  /** Every take's refusals and releases (metrics, pacing.lead_refused and lead.assigned events). */
  onTake?: (campaignId: string, r: TakeResult) => void;
  /** An agent's team (live state), so their team's allocated leads are taken before the pool. */
  teamOf?: (agentId: string) => Promise<string | undefined>;
}

/** A take, with the agent each lead was taken for (lead id → agent id; preview/progressive only). */
type TakeFor = TakeResult & { takenFor: Map<string, string> };

/**
 * Takes `count` leads for the campaign's ready agents: preview and progressive take one per ready
 * agent (their own leads and call-backs, then their team's, then the pool); predictive takes for
 * the campaign, its ready agents' teams' leads before the pool.
 */
async function takeFor(
  list: RedisDialingList,
  mode: CampaignConfig["mode"],
  count: number,
  ready: readonly string[],
  teamOf: ((agentId: string) => Promise<string | undefined>) | undefined,
): Promise<TakeFor> {
  const now = Date.now();
  const teams = new Map<string, string[]>();
  for (const a of ready) {
    const t = await teamOf?.(a);
    teams.set(a, t ? [t] : []);
  }
  if (mode === "predictive") {
    const r = await list.take(count, now, { teamIds: [...new Set([...teams.values()].flat())] });
    return { ...r, takenFor: new Map() };
  }
  const all: TakeFor = { leads: [], skipped: [], released: [], takenFor: new Map() };
  const add = (r: TakeResult, agentId?: string) => {
    all.leads.push(...r.leads);
    all.skipped.push(...r.skipped);
    all.released.push(...r.released);
    if (agentId) for (const l of r.leads) all.takenFor.set(l.leadId, agentId);
  };
  for (const agentId of ready.slice(0, count))
    add(await list.take(1, now, { agentId, teamIds: teams.get(agentId) ?? [] }), agentId);
  if (all.leads.length < count) add(await list.take(count - all.leads.length, now));
  return all;
}

export function listLauncher(o: ListLauncherOptions): Launcher {
  return async (campaign, decisionId, count, perLaunchAbandon, readyAgents = []) => {
    const list = o.lists.get(campaign.campaignId);
    const cfg = o.campaigns.get(campaign.campaignId);
    if (!list || !cfg) return { attemptIds: [], skipped: 0 };
    const taken = await takeFor(list, cfg.mode, count, readyAgents, o.teamOf);
    o.onTake?.(campaign.campaignId, taken);
    const { leads, skipped, takenFor } = taken;
    const now = Date.now();
    const commands = leads.map(
      (lead, i): DialCommand => ({
        kind: "cmd.dial",
        attempt_id: newEventId(),
        org_id: o.orgId,
        campaign_id: campaign.campaignId,
        lead_id: lead.leadId,
        phone: lead.phone,
        caller_id: cfg.caller_id,
        mode: cfg.mode,
        attempt_no: lead.attemptNo,
        decision_id: decisionId,
        consent: lead.consent,
        issued_at: new Date(now).toISOString(),
        expires_at: new Date(now + (o.commandTtlMs ?? 10_000)).toISOString(),
        ...(lead.tz ? { tz: lead.tz } : {}),
        ...(cfg.skill ? { skill: cfg.skill } : {}),
        // Media bridges the answer to this agent first (and in preview reserves them at dial).
        ...(takenFor.has(lead.leadId) ? { agent_id: takenFor.get(lead.leadId)! } : {}),
        ...(perLaunchAbandon[i] !== undefined
          ? { predicted_abandon: Math.min(1, perLaunchAbandon[i]!) }
          : {}),
      }),
    );
    const published = await Promise.all(
      commands.map(async (cmd) => {
        try {
          await publishDialCommand(o.js, cmd);
          return cmd.attempt_id;
        } catch (err) {
          o.onPublishError?.(err, cmd);
          await list.settle(cmd.lead_id, "network", now, { dueAt: now, undo: true });
          return null;
        }
      }),
    );
    return { attemptIds: published.filter((id): id is string => id !== null), skipped: skipped.length };
  };
}

/**
 * The facts a take leaves behind: each lead the list closed instead of handing out
 * (pacing.lead_refused) and each allocated lead released back to the pool (lead.assigned
 * pool_return). Deferrals (window, today's attempts) are only counted, not events.
 */
export function takeFacts(orgId: string, campaignId: string, r: TakeResult): EventFields[] {
  return [
    ...r.skipped
      .filter((s) => CLOSING_SKIPS.has(s.reason))
      .map(
        (s): EventFields => ({
          kind: "pacing.lead_refused",
          org_id: orgId,
          campaign_id: campaignId,
          lead_id: s.leadId,
          phone: s.phone,
          reason: s.reason as "dnc" | "blacklist" | "max_attempts" | "timezone_unknown",
        }),
      ),
    ...assignmentEvents(
      orgId,
      campaignId,
      r.released.filter((x) => x.to === "pool"),
      "pool_return",
    ),
  ];
}
