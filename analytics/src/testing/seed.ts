// Test/benchmark helpers: deterministic call-center events, inserted through @clickhouse/client
// as the rows the ingest sink writes (its own `eventToRow`).

import { type CallCenterEvent, eventToRow, makeEvent } from "@cc/ingest";
import type { ClickHouseClient } from "@clickhouse/client";

export async function insertEvents(
  client: ClickHouseClient,
  events: readonly CallCenterEvent[],
  dedupToken?: string,
): Promise<void> {
  await client.insert({
    table: "events",
    values: events.map((e) => eventToRow(e, 0)),
    format: "JSONEachRow",
    ...(dedupToken ? { clickhouse_settings: { insert_deduplication_token: dedupToken } } : {}),
  });
}

/** Small deterministic PRNG (mulberry32) so seeded data sets are reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface CallSeedOptions {
  orgId: string;
  campaignId: string;
  /** Calls are spread uniformly over [startMs, endMs). */
  startMs: number;
  endMs: number;
  calls: number;
  seed: number;
}

/** A realistic mix of outbound call lifecycles: failed, machine, human + bridged/abandoned. */
export function seedCalls(o: CallSeedOptions): CallCenterEvent[] {
  const rnd = prng(o.seed);
  const out: CallCenterEvent[] = [];
  const base = { org_id: o.orgId, campaign_id: o.campaignId };
  for (let i = 0; i < o.calls; i++) {
    const t = o.startMs + Math.floor(rnd() * (o.endMs - o.startMs));
    const ids = { ...base, attempt_id: `a-${o.seed}-${i}`, lead_id: `l-${o.seed}-${i}` };
    out.push(
      makeEvent(
        {
          ...ids,
          kind: "call.attempt_created",
          phone: "+8613800138000",
          caller_id: "+8610123456",
          mode: "predictive",
          attempt_no: 1,
        },
        t,
      ),
    );
    const ring_s = Math.round(rnd() * 300) / 10;
    const r = rnd();
    if (r < 0.35) {
      out.push(makeEvent({ ...ids, kind: "call.failed", cause: r < 0.2 ? "no_answer" : "busy", ring_s }, t));
      continue;
    }
    const detection = r < 0.5 ? "machine" : r < 0.53 ? "fax" : "human";
    out.push(makeEvent({ ...ids, kind: "call.answered", detection, detect_ms: 800, ring_s }, t));
    if (detection !== "human") continue;
    if (rnd() < 0.04) {
      out.push(
        makeEvent(
          {
            ...ids,
            kind: "call.abandoned",
            ms_from_answer: 2000,
            message_played: true,
            amd_false_positive: false,
          },
          t,
        ),
      );
      continue;
    }
    const agent_id = `agent-${Math.floor(rnd() * 20)}`;
    out.push(makeEvent({ ...ids, kind: "call.bridged", agent_id, wait_ms: Math.floor(rnd() * 900) }, t));
    const talk_s = Math.round(rnd() * 3000) / 10;
    const wrap_s = rnd() < 0.2 ? 0 : Math.round(rnd() * 600) / 10;
    out.push(
      makeEvent(
        { ...ids, kind: "call.ended", agent_id, ring_s, talk_s, hold_s: 0, wrap_s, hangup_by: "customer" },
        t,
      ),
    );
  }
  return out;
}
