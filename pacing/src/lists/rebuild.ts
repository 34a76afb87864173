// Rebuilds a campaign's dialing list in Redis from the event log in ClickHouse, the source of
// truth: Redis holds only the working set (what is due when, who holds it), every fact that
// shaped it is an event. After losing Redis (or to repair it), each lead of the campaign is
// replayed — created, allocated, attempted, with each attempt's outcome, call-backs set by
// dispositions, refusals — and restored with its attempts, per-outcome retry counts, today's
// attempts, owner and next due time. Events are read ordered by lead, one lead in memory at a time.
import type { ClickHouseClient } from "@clickhouse/client";
import type { createClient } from "redis";
import { type CampaignConfig, profileOf, retryRulesOf } from "../campaigns.ts";
import type { RetryRules } from "../compliance/retry.ts";
import { calleeZones } from "../compliance/window.ts";
import type { CallOutcome } from "../sim/runner.ts";
import { listKeys, localDay } from "./dialing-list.ts";
import { RESTORE } from "./lua.ts";

type Redis = ReturnType<typeof createClient>;

/** One event row as the rebuild query returns it. */
export interface LogRow {
  kind: string;
  lead_id: string;
  attempt_id: string;
  agent_id: string;
  at: number;
  payload: string;
}

interface Attempt {
  detection?: string;
  abandoned?: boolean;
  outcome?: CallOutcome | "blocked";
  callbackAt?: number;
  callbackAgent?: string;
  agentEnded?: boolean;
  at: number;
}

/** What the log says of one lead: enough to restore it in the list. */
export interface RebuiltLead {
  leadId: string;
  fields: Record<string, string>;
  /** Due time, or null when the lead is closed (with why). */
  due: number | null;
  doneReason?: string;
}

const CLOSING_BLOCKS = new Set(["dnc", "blacklist", "max_attempts", "no_consent", "timezone_unknown"]);

/** Folds one lead's events (in time order) into its list state at `now`. */
export function foldLead(rows: readonly LogRow[], rules: RetryRules, now: number): RebuiltLead | null {
  const created = rows.find((r) => r.kind === "lead.created");
  if (!created) return null;
  const p = JSON.parse(created.payload) as { phone: string; name?: string; consent?: { given?: boolean } };
  const fields: Record<string, string> = {
    phone: p.phone,
    tz: "",
    consent: p.consent?.given ? "1" : "0",
    team: "",
    agent: "",
    cb: "0",
  };
  if (p.name) fields.name = p.name;
  const attempts = new Map<string, Attempt>();
  const perOutcome = new Map<string, number>();
  let closed: string | undefined;
  let last: Attempt | undefined;
  for (const r of rows) {
    const e = JSON.parse(r.payload) as Record<string, unknown>;
    const a = attempts.get(r.attempt_id);
    const before = a?.outcome;
    switch (r.kind) {
      case "lead.assigned":
        fields.team = e.assigned_by === "pool_return" ? "" : String(e.team_id ?? "");
        fields.agent = e.assigned_by === "pool_return" ? "" : String(e.agent_id ?? "");
        break;
      case "pacing.lead_refused":
        closed = String(e.reason);
        break;
      case "call.attempt_created":
        attempts.set(r.attempt_id, { at: r.at });
        last = attempts.get(r.attempt_id);
        break;
      case "call.answered":
        if (a) a.detection = String(e.detection);
        break;
      case "call.abandoned":
        if (a) a.abandoned = true;
        break;
      case "call.failed":
        if (a) a.outcome = e.cause as CallOutcome;
        break;
      case "call.blocked":
        if (a) a.outcome = "blocked";
        if (CLOSING_BLOCKS.has(String(e.reason))) closed = String(e.reason);
        break;
      case "call.ended":
        if (a && !a.outcome) {
          a.outcome = a.abandoned ? "live_abandoned" : outcomeOfDetection(a.detection);
          a.agentEnded = Boolean(r.agent_id);
        }
        break;
      case "call.disposition":
        if (a && typeof e.next_contact_at === "string") {
          a.callbackAt = Date.parse(e.next_contact_at);
          if (r.agent_id) a.callbackAgent = r.agent_id;
        }
        break;
    }
    // Retries per outcome count each attempt once, when its outcome becomes known.
    if (a?.outcome && !before && a.outcome !== "blocked")
      perOutcome.set(a.outcome, (perOutcome.get(a.outcome) ?? 0) + 1);
  }
  const dialed = [...attempts.values()].filter((a) => a.outcome !== "blocked");
  fields.attempts = String(dialed.length);
  for (const [o, n] of perOutcome) fields[`o:${o}`] = String(n);
  const zone = calleeZones(p.phone)[0];
  if (zone) {
    const today = localDay(zone, now);
    fields.day = today;
    fields.day_n = String(dialed.filter((a) => localDay(zone, a.at) === today).length);
  }
  const leadId = created.lead_id;
  if (closed) return { leadId, fields, due: null, doneReason: closed };
  if (!last || last.outcome === "blocked") return { leadId, fields, due: last?.at ?? created.at };
  return dueAfter(leadId, fields, last, rules, now);
}

function outcomeOfDetection(d: string | undefined): CallOutcome {
  if (d === "machine") return "machine";
  if (d === "fax") return "fax";
  if (d === "human" || d === "unknown") return "live_connected";
  return "no_answer";
}

/** The lead's next due time after its last attempt (in flight: due now, like an expired lease). */
function dueAfter(
  leadId: string,
  fields: Record<string, string>,
  last: Attempt,
  rules: RetryRules,
  now: number,
): RebuiltLead {
  if (last.callbackAt !== undefined) {
    fields.cb = "1";
    if (last.callbackAgent) fields.agent = last.callbackAgent;
    return { leadId, fields, due: last.callbackAt };
  }
  if (!last.outcome) return { leadId, fields, due: now };
  fields.last_outcome = last.outcome;
  if (last.outcome === "blocked") return { leadId, fields, due: now };
  const delay = rules.delayS[last.outcome];
  const max = rules.maxRetries[last.outcome];
  if (max !== undefined && Number(fields[`o:${last.outcome}`] ?? 0) > max)
    return { leadId, fields, due: null, doneReason: "retries_exhausted" };
  if (delay === null) return { leadId, fields, due: null, doneReason: last.outcome };
  return { leadId, fields, due: last.at + delay * 1000 };
}

/**
 * Replays the campaign's events from ClickHouse into its Redis list. Leads whose state Redis
 * already has are replaced. Returns how many leads were restored, due and closed.
 */
export async function rebuildList(
  ch: ClickHouseClient,
  redis: Redis,
  o: { orgId: string; campaign: CampaignConfig; now?: number },
): Promise<{ leads: number; due: number; closed: number }> {
  const now = o.now ?? Date.now();
  const rules = retryRulesOf(o.campaign);
  const holdMs = o.campaign.recycle_after_h * 3_600_000;
  profileOf(o.campaign); // validates the campaign's profile before touching Redis
  const rs = await ch.query({
    query: `SELECT kind, lead_id, attempt_id, agent_id, toUnixTimestamp64Milli(occurred_at) AS at, payload
            FROM events
            WHERE org_id = {org:String} AND campaign_id = {campaign:String} AND lead_id != ''
              AND (kind LIKE 'call.%' OR kind IN ('lead.created', 'lead.assigned', 'pacing.lead_refused'))
            ORDER BY lead_id, occurred_at, event_id`,
    query_params: { org: o.orgId, campaign: o.campaign.id },
    format: "JSONEachRow",
  });
  const totals = { leads: 0, due: 0, closed: 0 };
  let current: LogRow[] = [];
  const flush = async () => {
    const lead = foldLead(current, rules, now);
    current = [];
    if (!lead) return;
    await restore(redis, o.orgId, o.campaign.id, lead, holdMs);
    totals.leads++;
    if (lead.due === null) totals.closed++;
    else totals.due++;
  };
  for await (const batch of rs.stream<LogRow>()) {
    for (const row of batch) {
      const r = row.json() as LogRow;
      r.at = Number(r.at);
      if (current.length && current[0]!.lead_id !== r.lead_id) await flush();
      current.push(r);
    }
  }
  if (current.length) await flush();
  return totals;
}

async function restore(
  redis: Redis,
  orgId: string,
  campaignId: string,
  lead: RebuiltLead,
  holdMs: number,
): Promise<void> {
  await redis.eval(RESTORE, {
    keys: [],
    arguments: [
      listKeys.prefix(orgId, campaignId),
      lead.leadId,
      lead.due === null ? "done" : String(lead.due),
      String(holdMs),
      lead.doneReason ?? "",
      ...Object.entries(lead.fields).flat(),
    ],
  });
}
