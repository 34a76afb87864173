// Inbound figures for the wallboard, next to the outbound ones: today's offered / answered /
// abandoned / call-backs / refused (blacklist) and the service level (answered within
// `serviceLevelSeconds` of entering a queue ÷ calls that entered one), per queue, from
// ClickHouse's inbound_calls (migration 093); callers waiting now and the longest wait from the
// media service's live figures in Redis (cc:inbound:queues:<org>, rewritten every second).
import { z } from "zod";
import { clickhouse } from "../clickhouse.ts";
import { redis } from "../redis.ts";

export interface InboundQueueFigures {
  queue: string;
  entered: number;
  answered: number;
  answeredInSl: number;
  abandoned: number;
  callbacks: number;
  serviceLevel: number | null;
  waitingNow: number;
  longestWaitS: number;
}

export interface InboundFigures {
  offered: number;
  refused: number;
  answered: number;
  abandoned: number;
  callbacks: number;
  serviceLevel: number | null;
  waitingNow: number;
  longestWaitS: number;
  queues: InboundQueueFigures[];
}

const LiveQueue = z.object({ waiting: z.number(), longest_ms: z.number(), at: z.number() });

const cache = new Map<string, { at: number; figures: InboundFigures | null }>();

const ratio = (n: number, d: number) => (d > 0 ? n / d : null);

/** Today's inbound figures of an org (null when it has no inbound at all); cached 2 s. */
export async function inboundFigures(
  orgId: string,
  dayStart: number,
  now: number,
  serviceLevelSeconds: number,
): Promise<InboundFigures | null> {
  const hit = cache.get(orgId);
  if (hit && now - hit.at < 2_000) return hit.figures;
  const [rows, live] = await Promise.all([
    dayRows(orgId, dayStart, serviceLevelSeconds),
    liveQueues(orgId, now),
  ]);
  const org = rows.find((r) => r.queue === "");
  const queues = new Set([...rows.map((r) => r.queue).filter(Boolean), ...live.keys()]);
  if (!org && !queues.size) {
    cache.set(orgId, { at: now, figures: null });
    return null;
  }
  const perQueue: InboundQueueFigures[] = [...queues].sort().map((queue) => {
    const r = rows.find((x) => x.queue === queue);
    const l = live.get(queue);
    const entered = Number(r?.entered ?? 0);
    const answeredInSl = Number(r?.answered_in_sl ?? 0);
    return {
      queue,
      entered,
      answered: Number(r?.answered ?? 0),
      answeredInSl,
      abandoned: Number(r?.abandoned ?? 0),
      callbacks: Number(r?.callbacks ?? 0),
      serviceLevel: ratio(answeredInSl, entered),
      waitingNow: l?.waiting ?? 0,
      longestWaitS: Math.round((l?.longest_ms ?? 0) / 1000),
    };
  });
  const sum = (k: "entered" | "answered" | "answeredInSl" | "abandoned" | "callbacks" | "waitingNow") =>
    perQueue.reduce((a, q) => a + q[k], 0);
  const figures: InboundFigures = {
    offered: Number(org?.offered ?? 0),
    refused: Number(org?.refused ?? 0),
    answered: sum("answered"),
    abandoned: sum("abandoned") + Number(org?.abandoned ?? 0),
    callbacks: sum("callbacks"),
    serviceLevel: ratio(sum("answeredInSl"), sum("entered")),
    waitingNow: sum("waitingNow"),
    longestWaitS: Math.max(0, ...perQueue.map((q) => q.longestWaitS)),
    queues: perQueue,
  };
  cache.set(orgId, { at: now, figures });
  return figures;
}

interface DayRow {
  queue: string;
  offered: string | number;
  refused: string | number;
  entered: string | number;
  answered: string | number;
  answered_in_sl: string | number;
  abandoned: string | number;
  callbacks: string | number;
}

/** One row per queue plus the org row (queue ''): offered/refused and IVR abandons live there. */
async function dayRows(orgId: string, dayStart: number, slSeconds: number): Promise<DayRow[]> {
  const rs = await clickhouse().query({
    query: `SELECT queue,
        countIf(kind = 'inbound.offered') AS offered,
        countIf(kind = 'inbound.refused') AS refused,
        countIf(kind = 'inbound.queued' AND overflow_from = '') AS entered,
        countIf(kind = 'inbound.answered') AS answered,
        countIf(kind = 'inbound.answered' AND wait_ms < {sl:UInt32} * 1000) AS answered_in_sl,
        countIf(kind = 'inbound.abandoned') AS abandoned,
        countIf(kind = 'inbound.callback_requested') AS callbacks
      FROM inbound_calls FINAL
      WHERE org_id = {org:String} AND occurred_at >= fromUnixTimestamp64Milli({since:Int64})
      GROUP BY queue`,
    query_params: { org: orgId, since: dayStart, sl: slSeconds },
    format: "JSONEachRow",
  });
  return await rs.json<DayRow>();
}

async function liveQueues(orgId: string, now: number): Promise<Map<string, z.infer<typeof LiveQueue>>> {
  const raw = await (await redis()).hGetAll(`cc:inbound:queues:${orgId}`);
  const out = new Map<string, z.infer<typeof LiveQueue>>();
  for (const [queue, v] of Object.entries(raw)) {
    const r = LiveQueue.safeParse(JSON.parse(v));
    // Older than 10 s: the media service is not writing them any more.
    if (r.success && now - r.data.at < 10_000) out.set(queue, r.data);
  }
  return out;
}
