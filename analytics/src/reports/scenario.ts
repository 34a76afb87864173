// A small, seeded, contract-shaped scenario for report tests (vitest and the dashboard's
// browser tests), with the expected funnel / ROI / workload figures computed here in plain
// TypeScript, independently of the SQL.
import { type CallCenterEvent, type EventFields, makeEvent } from "@cc/ingest";

/** mulberry32: tiny deterministic PRNG. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ScenarioOptions {
  seed?: number;
  orgId?: string;
  leads?: number;
  /** Start of the scenario (a Monday 00:00 UTC by default). */
  start?: string;
}

export interface Scenario {
  orgId: string;
  start: string;
  /** Covers every event of the scenario. */
  from: string;
  to: string;
  events: CallCenterEvent[];
  agents: { agentId: string; teamId: string }[];
}

const CHANNELS = [
  { channel: "baidu", adCampaignId: "bd-spring", ads: ["bd-1", "bd-2"] },
  { channel: "douyin", adCampaignId: "dy-live", ads: ["dy-1"] },
  { channel: "wechat", adCampaignId: "wx-moments", ads: ["wx-1", "wx-2"] },
];
const AGENTS = [
  { agentId: "agent-1", teamId: "team-east" },
  { agentId: "agent-2", teamId: "team-east" },
  { agentId: "agent-3", teamId: "team-west" },
  { agentId: "agent-4", teamId: "team-west" },
];
const DISPOSITIONS = ["A", "B", "C", "D", "E", "F"] as const;

const iso = (ms: number) => new Date(ms).toISOString();

/** Builds the scenario: ad spend, leads with touches, attempts, calls, orders, payments, agent states. */
export function buildScenario(opts: ScenarioOptions = {}): Scenario {
  const rand = rng(opts.seed ?? 42);
  const orgId = opts.orgId ?? "acme";
  const t0 = Date.parse(opts.start ?? "2026-03-02T00:00:00.000Z");
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const events: CallCenterEvent[] = [];
  const ev = (fields: EventFields, at: number) => events.push(makeEvent(fields, at));
  const H = 3_600_000;

  // Ad spend: every ad, every hour for two days.
  for (const c of CHANNELS) {
    for (const ad of c.ads) {
      for (let h = 0; h < 48; h++) {
        ev(
          {
            kind: "ad.spend_reported",
            org_id: orgId,
            channel: c.channel,
            ad_campaign_id: c.adCampaignId,
            ad_id: ad,
            slot_start: iso(t0 + h * H),
            slot_end: iso(t0 + (h + 1) * H),
            spend: { amount_minor: 500 + Math.floor(rand() * 5000), currency: "CNY" },
            impressions: Math.floor(rand() * 1000),
            clicks: Math.floor(rand() * 50),
          },
          t0 + (h + 1) * H,
        );
      }
    }
  }

  // Agents log in and cycle through states on day one (06:00–14:00 UTC).
  for (const a of AGENTS) {
    let t = t0 + 6 * H + Math.floor(rand() * 600_000);
    ev({ kind: "agent.login", org_id: orgId, agent_id: a.agentId, team_id: a.teamId, skills: [] }, t);
    type State = "ready" | "on_call" | "wrap_up" | "paused";
    let state = "ready" as State;
    let since = t;
    const end = t0 + 14 * H;
    while (t < end) {
      const next: State =
        state === "ready"
          ? rand() < 0.15
            ? "paused"
            : "on_call"
          : state === "on_call"
            ? "wrap_up"
            : "ready";
      const dur =
        state === "ready"
          ? rand() * 600
          : state === "on_call"
            ? 30 + rand() * 400
            : state === "wrap_up"
              ? rand() * 60
              : 300 + rand() * 2400;
      t = since + Math.round(dur * 1000);
      ev(
        {
          kind: "agent.state_changed",
          org_id: orgId,
          agent_id: a.agentId,
          state: next,
          previous_state: state,
          previous_state_s: (t - since) / 1000,
          ...(next === "paused" ? { pause_reason: "break" as const } : {}),
          team_id: a.teamId,
        },
        t,
      );
      state = next;
      since = t;
    }
  }

  // Leads: most from ads (some touched twice), dialed 1–3 times.
  const leads = opts.leads ?? 80;
  for (let i = 0; i < leads; i++) {
    const leadId = `lead-${i}`;
    const created = t0 + Math.floor(rand() * 30 * H);
    const fromAd = rand() < 0.75;
    const c = pick(CHANNELS);
    const base = {
      kind: "lead.created" as const,
      org_id: orgId,
      lead_id: leadId,
      phone: `+86138${String(10_000_000 + i).slice(-8)}`,
      consent: { given: true, method: "web_form" as const },
      campaign_id: i % 3 === 0 ? "camp-b" : "camp-a",
      list_id: i % 2 === 0 ? "list-1" : "list-2",
    };
    if (fromAd) {
      ev(
        {
          ...base,
          source: "ad",
          channel: c.channel,
          ad_campaign_id: c.adCampaignId,
          ad_id: pick(c.ads),
          touched_at: iso(created - Math.floor(rand() * 600_000)),
        },
        created,
      );
      if (rand() < 0.3) {
        const c2 = pick(CHANNELS);
        const again = created + Math.floor(rand() * 4 * H);
        ev(
          {
            ...base,
            source: "ad",
            channel: c2.channel,
            ad_campaign_id: c2.adCampaignId,
            ad_id: pick(c2.ads),
            touched_at: iso(again),
          },
          again + 1000,
        );
      }
    } else {
      const agent = pick(AGENTS);
      ev({ ...base, source: "manual", agent_id: agent.agentId }, created);
    }
    let t = created + 60_000 + Math.floor(rand() * H);
    const attempts = 1 + Math.floor(rand() * 3);
    let converted = false;
    for (let n = 1; n <= attempts && !converted; n++) {
      const attemptId = `att-${i}-${n}`;
      const call = { org_id: orgId, attempt_id: attemptId, campaign_id: base.campaign_id, lead_id: leadId };
      ev(
        {
          ...call,
          kind: "call.attempt_created",
          phone: base.phone,
          caller_id: "+862100000000",
          mode: "predictive",
          attempt_no: n,
          list_id: base.list_id,
        },
        t,
      );
      const r = rand();
      if (r < 0.35) {
        ev({ ...call, kind: "call.failed", cause: "no_answer", ring_s: 30 }, t + 30_000);
      } else if (r < 0.5) {
        ev({ ...call, kind: "call.answered", detection: "machine", detect_ms: 1800, ring_s: 8 }, t + 8_000);
        ev(
          { ...call, kind: "call.ended", ring_s: 8, talk_s: 0, hold_s: 0, wrap_s: 0, hangup_by: "system" },
          t + 12_000,
        );
      } else {
        const agent = pick(AGENTS);
        const talk = Math.floor(rand() * 300);
        ev({ ...call, kind: "call.answered", detection: "human", detect_ms: 900, ring_s: 6 }, t + 6_000);
        ev({ ...call, kind: "call.bridged", agent_id: agent.agentId, wait_ms: 400 }, t + 7_000);
        const endAt = t + 7_000 + talk * 1000;
        ev(
          {
            ...call,
            kind: "call.ended",
            agent_id: agent.agentId,
            ring_s: 6,
            talk_s: talk,
            hold_s: 0,
            wrap_s: 20,
            hangup_by: "customer",
          },
          endAt,
        );
        const d = DISPOSITIONS[Math.min(5, Math.floor(rand() * rand() * 7))] ?? "C";
        ev(
          { ...call, kind: "call.disposition", agent_id: agent.agentId, disposition: d, set_by: "agent" },
          endAt + 15_000,
        );
        if ((d === "A" || d === "B") && rand() < 0.6) {
          converted = true;
          const orderAt = endAt + Math.floor(rand() * 20 * H);
          const total = 10_000 + Math.floor(rand() * 90_000);
          ev(
            {
              kind: "order.created",
              org_id: orgId,
              order_id: `order-${i}`,
              lead_id: leadId,
              agent_id: agent.agentId,
              campaign_id: base.campaign_id,
              total: { amount_minor: total, currency: "CNY" },
            },
            orderAt,
          );
          if (rand() < 0.7) {
            ev(
              {
                kind: "payment.received",
                org_id: orgId,
                payment_id: `pay-${i}`,
                order_id: `order-${i}`,
                lead_id: leadId,
                amount: { amount_minor: total, currency: "CNY" },
                method: "alipay",
              },
              orderAt + Math.floor(rand() * 6 * H),
            );
          }
        }
      }
      t += 2 * H + Math.floor(rand() * 3 * H);
    }
  }
  events.sort((a, b) => a.occurred_at.localeCompare(b.occurred_at));
  return { orgId, start: iso(t0), from: iso(t0), to: iso(t0 + 7 * 24 * H), events, agents: AGENTS };
}
