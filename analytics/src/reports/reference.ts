// Reference implementations of the report figures in plain TypeScript, straight from the
// definitions in README.md. Tests compare the SQL reports against these.
import type { CallCenterEvent } from "@cc/ingest";

type Ev = CallCenterEvent & Record<string, unknown>;
const ms = (s: string) => Date.parse(s);
const str = (e: Ev, k: string) => (typeof e[k] === "string" ? (e[k] as string) : "");

export interface FunnelExpectation {
  from: string;
  to: string;
  windowMs: number;
  talkS: number;
  agentIds?: string[];
}

const STEP_PREDICATES: ((e: Ev, talkS: number) => boolean)[] = [
  (e) => e.kind === "call.attempt_created",
  (e) => e.kind === "call.answered",
  (e) => e.kind === "call.answered" && e.detection === "human",
  (e, n) => e.kind === "call.ended" && (e.talk_s as number) >= n,
  (e) => e.kind === "call.disposition" && (e.disposition === "A" || e.disposition === "B"),
  (e) => e.kind === "call.disposition" && e.disposition === "A",
  (e) => e.kind === "order.created",
  (e) => e.kind === "payment.received",
];

const FUNNEL_KINDS = new Set([
  "call.attempt_created",
  "call.answered",
  "call.ended",
  "call.disposition",
  "order.created",
  "payment.received",
]);

/** Funnel counters (s1..s8) per key of the lead's first-dial campaign, plus "total". */
export function expectedFunnel(events: CallCenterEvent[], x: FunnelExpectation): Map<string, number[]> {
  const from = ms(x.from);
  const to = ms(x.to);
  const byLead = new Map<string, Ev[]>();
  for (const e of events as Ev[]) {
    const lead = str(e, "lead_id");
    const t = ms(e.occurred_at);
    if (!lead || t < from || t >= to + x.windowMs || !FUNNEL_KINDS.has(e.kind)) continue;
    byLead.set(lead, [...(byLead.get(lead) ?? []), e]);
  }
  const out = new Map<string, number[]>();
  const add = (key: string, level: number) => {
    const row = out.get(key) ?? [0, 0, 0, 0, 0, 0, 0, 0];
    for (let k = 0; k < level; k++) row[k] = (row[k] ?? 0) + 1;
    out.set(key, row);
  };
  for (const evs of byLead.values()) {
    evs.sort((a, b) => ms(a.occurred_at) - ms(b.occurred_at));
    const dials = evs.filter((e) => e.kind === "call.attempt_created");
    const first = dials[0];
    if (!first || ms(first.occurred_at) < from || ms(first.occurred_at) >= to) continue;
    if (x.agentIds && !evs.some((e) => x.agentIds?.includes(str(e, "agent_id")))) continue;
    let level = 0;
    for (const start of dials.filter((d) => ms(d.occurred_at) < to)) {
      const s = ms(start.occurred_at);
      let cur = s;
      let reached = 1;
      for (let k = 1; k < STEP_PREDICATES.length; k++) {
        const hit = evs.find((e) => {
          const t = ms(e.occurred_at);
          return t >= cur && t <= s + x.windowMs && STEP_PREDICATES[k]?.(e, x.talkS);
        });
        if (!hit) break;
        cur = ms(hit.occurred_at);
        reached = k + 1;
      }
      level = Math.max(level, reached);
    }
    add("total", level);
    add(str(first, "campaign_id"), level);
  }
  return out;
}

export interface RoiExpectation {
  from: string;
  to: string;
  lookbackMs: number;
  model: "last_touch" | "first_touch" | "linear";
}

export interface RoiFigures {
  spend: number;
  leads: number;
  calls: number;
  orders: number;
  orderValue: number;
  revenue: number;
}

/** ROI inputs per channel with the given attribution model. */
export function expectedRoiByChannel(events: CallCenterEvent[], x: RoiExpectation): Map<string, RoiFigures> {
  const from = ms(x.from);
  const to = ms(x.to);
  const out = new Map<string, RoiFigures>();
  const get = (ch: string) => {
    let f = out.get(ch);
    if (!f) {
      f = { spend: 0, leads: 0, calls: 0, orders: 0, orderValue: 0, revenue: 0 };
      out.set(ch, f);
    }
    return f;
  };
  const touches = (events as Ev[])
    .filter((e) => e.kind === "lead.created" && str(e, "channel") !== "")
    .map((e) => ({
      lead: str(e, "lead_id"),
      t: ms(str(e, "touched_at") || e.occurred_at),
      channel: str(e, "channel"),
      id: e.id,
    }));
  for (const e of events as Ev[]) {
    const t = ms(e.occurred_at);
    if (e.kind === "ad.spend_reported") {
      const slot = ms(e.slot_start as string);
      if (slot >= from && slot < to)
        get(str(e, "channel")).spend += (e.spend as { amount_minor: number }).amount_minor;
      continue;
    }
    if (t < from || t >= to) continue;
    if (e.kind !== "call.attempt_created" && e.kind !== "order.created" && e.kind !== "payment.received")
      continue;
    const path = touches
      .filter((tc) => tc.lead === str(e, "lead_id") && tc.t <= t && tc.t >= t - x.lookbackMs)
      .sort((a, b) => a.t - b.t || a.id.localeCompare(b.id));
    path.forEach((tc, i) => {
      const w =
        x.model === "linear"
          ? 1 / path.length
          : x.model === "first_touch"
            ? Number(i === 0)
            : Number(i === path.length - 1);
      const f = get(tc.channel);
      if (e.kind === "call.attempt_created") f.calls += w;
      if (e.kind === "order.created") {
        f.orders += w;
        f.orderValue += w * (e.total as { amount_minor: number }).amount_minor;
      }
      if (e.kind === "payment.received") f.revenue += w * (e.amount as { amount_minor: number }).amount_minor;
    });
  }
  for (const tc of touches) if (tc.t >= from && tc.t < to) get(tc.channel).leads += 1;
  return out;
}

export interface WorkloadFigures {
  calls: number;
  talk: number;
  ready: number;
  onCall: number;
  wrapUp: number;
  paused: number;
  disp: Record<string, number>;
  newCustomers: number;
}

/** Per "agent|hour-ISO" (UTC hours) workload figures, intervals split across hours. */
export function expectedWorkloadByAgentHour(events: CallCenterEvent[]): Map<string, WorkloadFigures> {
  const out = new Map<string, WorkloadFigures>();
  const H = 3_600_000;
  const get = (agent: string, t: number) => {
    const key = `${agent}|${new Date(Math.floor(t / H) * H).toISOString()}`;
    let f = out.get(key);
    if (!f) {
      f = { calls: 0, talk: 0, ready: 0, onCall: 0, wrapUp: 0, paused: 0, disp: {}, newCustomers: 0 };
      out.set(key, f);
    }
    return f;
  };
  for (const e of events as Ev[]) {
    const agent = str(e, "agent_id");
    if (!agent) continue;
    const t = ms(e.occurred_at);
    if (e.kind === "agent.state_changed") {
      const start = t - (e.previous_state_s as number) * 1000;
      for (let h = Math.floor(start / H) * H; h < t; h += H) {
        const secs = (Math.min(t, h + H) - Math.max(start, h)) / 1000;
        if (secs <= 0) continue;
        const f = get(agent, h);
        if (e.previous_state === "ready") f.ready += secs;
        if (e.previous_state === "on_call") f.onCall += secs;
        if (e.previous_state === "wrap_up") f.wrapUp += secs;
        if (e.previous_state === "paused") f.paused += secs;
      }
    } else if (e.kind === "call.ended") {
      const f = get(agent, t);
      f.calls += 1;
      f.talk += e.talk_s as number;
    } else if (e.kind === "call.disposition") {
      const f = get(agent, t);
      const d = e.disposition as string;
      f.disp[d] = (f.disp[d] ?? 0) + 1;
    } else if (e.kind === "lead.created") {
      get(agent, t).newCustomers += 1;
    }
  }
  return out;
}
