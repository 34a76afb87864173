import type {
  BoundQuery,
  LiveAgent,
  LiveCampaignCalls,
  LivePacingDecision,
  WallboardQueryName,
  WallboardRows,
} from "@cc/analytics";
import { agentVisible, campaignVisible, type Scope } from "../auth/scope.ts";
import type { RecordingFailure } from "../recordings.ts";
import type { StackHealth } from "../stack.ts";
import type { InboundFigures } from "./inbound.ts";

/** Everything one org's wallboard is computed from, gathered once per tick. */
export interface OrgPicture {
  orgId: string;
  at: number;
  dayStart: number;
  agents: LiveAgent[];
  calls: LiveCampaignCalls[];
  pacing: Record<string, LivePacingDecision>;
  rows: WallboardRows | null;
  /** Display SQL per query (parameters written as literals). */
  sql: Partial<Record<WallboardQueryName, string>>;
  queries: Partial<Record<WallboardQueryName, BoundQuery>>;
  abandonCap: number;
  serviceLevelSeconds: number;
  /** `npm start`'s supervisor view of the processes (health strip); null without a supervisor. */
  stack: StackHealth | null;
  /** Recording alarms of the last hour (calls with no recording). */
  recordingFailures?: RecordingFailure[];
  /** Today's inbound figures and queues now (null: the org takes no inbound calls). */
  inbound?: InboundFigures | null;
}

export const STATES = ["ready", "reserved", "on_call", "wrap_up", "paused"] as const;
type StateCounts = Record<(typeof STATES)[number], number>;

export interface Kpis {
  attempts: number;
  answerRate: number | null;
  liveAnswerRate: number | null;
  abandonRate24h: number | null;
  abandonBudgetLeft: number;
  serviceLevel: number | null;
  aht: number | null;
  occupancy: number | null;
  contactsPerHour: number | null;
  conversions: number;
}

export interface GroupRow extends Partial<Kpis> {
  key: string;
  agents: StateCounts;
  talking: number;
  waiting: number;
  dialing: number;
}

export interface WallboardSnapshot {
  at: number;
  dayStart: number;
  abandonCap: number;
  serviceLevelSeconds: number;
  totals: GroupRow;
  campaigns: Array<
    GroupRow & {
      series: { minute: number[]; attempts: number[]; liveAnswers: number[]; abandoned: number[] };
      pacing: LivePacingDecision | null;
    }
  >;
  teams: GroupRow[];
  skills: GroupRow[];
  agents: Array<{
    agentId: string;
    state: string;
    secondsInState: number;
    team: string;
    campaign: string;
    pauseReason: string;
  }>;
  /** metric → query name; the SQL text is in `sql`. */
  sources: Record<string, WallboardQueryName | "redis">;
  sql: Partial<Record<WallboardQueryName, string>>;
  dataAvailable: boolean;
  stack: StackHealth | null;
  /** Call quality of the org's last minutes, with the warning flag (org-wide counts). */
  quality: QualityWarning;
  /** Calls of visible agents that were not recorded in the last hour (a compliance warning). */
  recordingFailures: RecordingFailure[];
  /** Inbound queues (org-wide: queues are not owned by a team). */
  inbound: InboundFigures | null;
  /** Real-time leads first dialed in the last 15 minutes (org-wide), p50/p95 received → INVITE. */
  speedToLead: WallboardRows["speedToLead"] | null;
}

const ratio = (n: number, d: number) => (d > 0 ? n / d : null);

/** Warn when more than this share of the last minutes' measured calls were poor (MOS < 3.5)… */
export const QUALITY_WARN_SHARE = 0.2;
/** …and at least this many calls were measured (two bad calls of three is noise, not a trend). */
export const QUALITY_WARN_MIN_CALLS = 5;

export interface QualityWarning {
  measured: number;
  poor: number;
  share: number | null;
  warn: boolean;
}

export function qualityWarning(rows: WallboardRows | null): QualityWarning {
  const q = rows?.quality ?? { measured: 0, poor: 0 };
  const share = ratio(q.poor, q.measured);
  return {
    ...q,
    share,
    warn: q.measured >= QUALITY_WARN_MIN_CALLS && (share ?? 0) > QUALITY_WARN_SHARE,
  };
}
const zeroStates = (): StateCounts => ({ ready: 0, reserved: 0, on_call: 0, wrap_up: 0, paused: 0 });

function countStates(agents: LiveAgent[]): StateCounts {
  const c = zeroStates();
  for (const a of agents) if (a.state in c) c[a.state as keyof StateCounts]++;
  return c;
}

interface AgentWork {
  handled: number;
  handleS: number;
  conversions: number;
  /** Seconds today per state, including the state the agent is in right now. */
  states: Record<string, number>;
}

/** Per-agent workload today: finished intervals from ClickHouse plus the current one from Redis. */
function agentWork(p: OrgPicture): Map<string, AgentWork> {
  const m = new Map<string, AgentWork>();
  const get = (id: string) => {
    let w = m.get(id);
    if (!w) {
      w = { handled: 0, handleS: 0, conversions: 0, states: {} };
      m.set(id, w);
    }
    return w;
  };
  for (const r of p.rows?.agentStates ?? []) {
    const w = get(r.agent_id);
    w.states[r.state] = (w.states[r.state] ?? 0) + r.seconds;
  }
  for (const r of p.rows?.agentWork ?? []) {
    const w = get(r.agent_id);
    w.handled += r.handled;
    w.handleS += r.talk_s + r.hold_s + r.wrap_s;
    w.conversions += r.conversions;
  }
  for (const a of p.agents) {
    const w = get(a.agentId);
    const since = Math.max(a.since, p.dayStart);
    w.states[a.state] = (w.states[a.state] ?? 0) + Math.max(0, (p.at - since) / 1000);
  }
  return m;
}

function workKpis(works: AgentWork[]): Pick<Kpis, "aht" | "occupancy" | "contactsPerHour" | "conversions"> {
  let handled = 0;
  let handleS = 0;
  let conv = 0;
  let busy = 0;
  let staffed = 0;
  for (const w of works) {
    handled += w.handled;
    handleS += w.handleS;
    conv += w.conversions;
    const st = w.states;
    busy += (st.on_call ?? 0) + (st.wrap_up ?? 0);
    staffed += (st.ready ?? 0) + (st.reserved ?? 0) + (st.on_call ?? 0) + (st.wrap_up ?? 0);
  }
  return {
    aht: ratio(handleS, handled),
    occupancy: ratio(busy, staffed),
    contactsPerHour: ratio(handled, staffed / 3600),
    conversions: conv,
  };
}

/** Filters the org picture to what `scope` may see and computes every number. Pure. */
export function snapshotFor(p: OrgPicture, scope: Scope): WallboardSnapshot {
  const agents = p.agents.filter((a) => agentVisible(scope, a.agentId, a.team));
  const calls = p.calls.filter((c) => campaignVisible(scope, c.campaign));
  const rows = p.rows;
  const teamOf = new Map<string, string>();
  for (const r of rows?.agentTeams ?? []) teamOf.set(r.agent_id, r.team_id);
  for (const a of p.agents) if (a.team) teamOf.set(a.agentId, a.team);
  const works = agentWork(p);
  const visibleWork = new Map([...works].filter(([id]) => agentVisible(scope, id, teamOf.get(id))));

  const byCampaign = (name: "campaignToday" | "campaign24h" | "serviceLevel" | "conversions") =>
    new Map(((rows?.[name] ?? []) as Array<{ campaign_id: string }>).map((r) => [r.campaign_id, r]));
  const today = byCampaign("campaignToday") as Map<string, WallboardRows["campaignToday"][number]>;
  const day24 = byCampaign("campaign24h") as Map<string, WallboardRows["campaign24h"][number]>;
  const sl = byCampaign("serviceLevel") as Map<string, WallboardRows["serviceLevel"][number]>;
  const conv = byCampaign("conversions") as Map<string, WallboardRows["conversions"][number]>;

  const campaignIds = new Set<string>();
  for (const c of calls) campaignIds.add(c.campaign);
  for (const id of [...today.keys(), ...Object.keys(p.pacing)])
    if (campaignVisible(scope, id)) campaignIds.add(id);

  const campaignKpis = (ids: string[]): Kpis => {
    let attempts = 0;
    let answered = 0;
    let live = 0;
    let talked = 0;
    let handleS = 0;
    let live24 = 0;
    let ab24 = 0;
    let bridged = 0;
    let within = 0;
    let abToday = 0;
    let conversions = 0;
    for (const id of ids) {
      const t = today.get(id);
      if (t) {
        attempts += t.attempts;
        answered += t.answered;
        live += t.live_answers;
        talked += t.talked;
        handleS += t.talk_s + t.wrap_s;
        abToday += t.abandoned;
      }
      const d = day24.get(id);
      if (d) {
        live24 += d.live_answers;
        ab24 += d.abandoned;
      }
      const s = sl.get(id);
      if (s) {
        bridged += s.bridged;
        within += s.within_threshold;
      }
      conversions += conv.get(id)?.conversions ?? 0;
    }
    return {
      attempts,
      answerRate: ratio(answered, attempts),
      liveAnswerRate: ratio(live, attempts),
      abandonRate24h: ratio(ab24, live24),
      abandonBudgetLeft: Math.floor(p.abandonCap * live24 - ab24),
      // Service level = answered within T / (answered + abandoned).
      serviceLevel: ratio(within, bridged + abToday),
      aht: ratio(handleS, talked),
      occupancy: null,
      contactsPerHour: null,
      conversions,
    };
  };

  const callCounts = (list: LiveCampaignCalls[]) => ({
    talking: list.reduce((n, c) => n + c.talking, 0),
    waiting: list.reduce((n, c) => n + c.waiting, 0),
    dialing: list.reduce((n, c) => n + c.dialing, 0),
  });

  const seriesOf = (id: string) => {
    const pts = (rows?.campaignSeries ?? []).filter((r) => r.campaign_id === id);
    return {
      minute: pts.map((r) => r.minute),
      attempts: pts.map((r) => r.attempts),
      liveAnswers: pts.map((r) => r.live_answers),
      abandoned: pts.map((r) => r.abandoned),
    };
  };

  const campaigns = [...campaignIds].sort().map((id) => {
    const k = campaignKpis([id]);
    const w = workKpis(
      [...visibleWork]
        .filter(([aid]) => agents.find((a) => a.agentId === aid)?.campaign === id)
        .map(([, v]) => v),
    );
    return {
      key: id,
      ...k,
      occupancy: w.occupancy,
      contactsPerHour: w.contactsPerHour,
      agents: countStates(agents.filter((a) => a.campaign === id)),
      ...callCounts(calls.filter((c) => c.campaign === id)),
      series: seriesOf(id),
      pacing: p.pacing[id] ?? null,
    };
  });

  const teamIds = new Set<string>();
  for (const a of agents) if (a.team) teamIds.add(a.team);
  for (const id of visibleWork.keys()) {
    const t = teamOf.get(id);
    if (t) teamIds.add(t);
  }
  const teams = [...teamIds].sort().map((team) => {
    const w = workKpis([...visibleWork].filter(([id]) => teamOf.get(id) === team).map(([, v]) => v));
    const teamAgents = agents.filter((a) => a.team === team);
    const teamAgentIds = new Set(teamAgents.map((a) => a.agentId));
    const teamCalls = calls.flatMap((c) => c.calls).filter((c) => teamAgentIds.has(c.agent));
    return {
      key: team,
      ...w,
      agents: countStates(teamAgents),
      talking: teamCalls.filter((c) => c.stage === "talking").length,
      waiting: 0,
      dialing: 0,
    };
  });

  const skillIds = new Set<string>();
  for (const a of agents) for (const s of a.skills) skillIds.add(s.skill);
  const allCalls = calls.flatMap((c) => c.calls);
  for (const c of allCalls) if (c.skill) skillIds.add(c.skill);
  const skills = [...skillIds].sort().map((skill) => {
    const withSkill = agents.filter((a) => a.skills.some((s) => s.skill === skill));
    const w = workKpis(withSkill.map((a) => visibleWork.get(a.agentId)).filter((x): x is AgentWork => !!x));
    const skillCalls = allCalls.filter((c) => c.skill === skill);
    return {
      key: skill,
      ...w,
      agents: countStates(withSkill),
      talking: skillCalls.filter((c) => c.stage === "talking").length,
      waiting: skillCalls.filter((c) => c.stage === "waiting").length,
      dialing: skillCalls.filter((c) => ["created", "dialing", "ringing"].includes(c.stage)).length,
    };
  });

  const allWork = workKpis([...visibleWork.values()]);
  const totalK = campaignKpis([...campaignIds]);
  const totals: GroupRow = {
    key: "all",
    ...totalK,
    occupancy: allWork.occupancy,
    contactsPerHour: allWork.contactsPerHour,
    aht: allWork.aht ?? totalK.aht,
    // Agents restricted to a team see their agents' conversions; campaign totals otherwise.
    conversions:
      scope.agentIds !== undefined || scope.teamIds !== undefined ? allWork.conversions : totalK.conversions,
    agents: countStates(agents),
    ...callCounts(calls),
  };

  return {
    at: p.at,
    dayStart: p.dayStart,
    abandonCap: p.abandonCap,
    serviceLevelSeconds: p.serviceLevelSeconds,
    totals,
    campaigns,
    teams,
    skills,
    agents: agents.map((a) => ({
      agentId: a.agentId,
      state: a.state,
      secondsInState: Math.round((p.at - a.since) / 1000),
      team: a.team,
      campaign: a.campaign,
      pauseReason: a.pauseReason,
    })),
    sources: {
      agents: "redis",
      calls: "redis",
      attempts: "campaigns",
      answerRate: "campaigns",
      liveAnswerRate: "campaigns",
      abandonRate24h: "campaigns",
      abandonBudgetLeft: "campaigns",
      serviceLevel: "campaigns",
      aht: "agentWork",
      occupancy: "agentStates",
      contactsPerHour: "agentWork",
      conversions: "campaigns",
      series: "campaignSeries",
      teams: "agentTeams",
      speedToLead: "speedToLead",
    },
    sql: p.sql,
    dataAvailable: rows !== null,
    stack: p.stack,
    quality: qualityWarning(rows),
    inbound: p.inbound ?? null,
    speedToLead: rows?.speedToLead ?? null,
    recordingFailures: (p.recordingFailures ?? []).filter(
      (f) => f.agent_id === "" || agentVisible(scope, f.agent_id, teamOf.get(f.agent_id)),
    ),
  };
}
