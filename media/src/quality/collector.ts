// Call quality at the end of each answered call: rtpengine's `query` on the customer call (just
// before it is deleted) carries, per reporting SSRC, the quality blocks it built from the RTCP
// reports that passed through it (rtpengine 10.5: "average MOS" ×10, "lowest MOS", jitter in ms,
// "packet loss" in percent, round trip in µs, "MOS progression"). The carrier's SSRC reports how
// the customer hears the call; the agent phone's SSRC (forwarded through the agent's session)
// how the agent hears it. One `call.quality` event per leg.
import type { EventFields } from "@cc/ingest";
import type { Logger } from "pino";
import { z } from "zod";
import type { Rtpengine } from "../engine/rtpengine.ts";
import type { OutboundCall } from "../sip/outbound-call.ts";
import { estimateMos } from "./emodel.ts";

const Block = z.object({
  MOS: z.number().optional(),
  "round-trip time": z.number().optional(),
  jitter: z.number().optional(),
  "packet loss": z.number().optional(),
  samples: z.number().optional(),
});
const SsrcEntry = z.object({
  "average MOS": Block.optional(),
  "lowest MOS": Block.optional(),
  "MOS progression": z.object({ entries: z.array(Block).default([]) }).optional(),
});
const Stream = z.object({
  SSRC: z.number().optional(),
  flags: z.array(z.string()).default([]),
  stats: z.object({ packets: z.number().default(0) }).optional(),
});
const QueryReply = z.object({
  SSRC: z.record(z.string(), SsrcEntry).default({}),
  tags: z
    .record(
      z.string(),
      z.object({ medias: z.array(z.object({ streams: z.array(Stream).default([]) })).default([]) }),
    )
    .default({}),
});
type QueryReply = z.infer<typeof QueryReply>;

export interface LegQuality {
  source: "rtpengine" | "estimate" | "none";
  mos?: number;
  mos_min?: number;
  jitter_ms?: number;
  loss_pct?: number;
  rtt_ms?: number;
  samples: number;
  packets: number;
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const clampMos = (x: number) => Math.min(5, Math.max(1, round2(x)));

/** The RTP stream rtpengine receives on a tag's side: who sends there, and how many packets. */
function rtpStreamOf(reply: QueryReply, tag: string): { ssrc: number | null; packets: number } {
  const stream = reply.tags[tag]?.medias[0]?.streams.find((s) => s.flags.includes("RTP"));
  return { ssrc: stream?.SSRC ?? null, packets: stream?.stats?.packets ?? 0 };
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

/** One reporter's quality from its rtpengine entry. */
export function legQuality(entry: z.infer<typeof SsrcEntry> | undefined, packets: number): LegQuality {
  const avg = entry?.["average MOS"];
  if (avg?.MOS && avg.samples) {
    const min = entry?.["lowest MOS"]?.MOS;
    return {
      source: "rtpengine",
      mos: clampMos(avg.MOS / 10),
      ...(min ? { mos_min: clampMos(min / 10) } : {}),
      jitter_ms: avg.jitter ?? 0,
      loss_pct: avg["packet loss"] ?? 0,
      ...(avg["round-trip time"] ? { rtt_ms: round2(avg["round-trip time"] / 1000) } : {}),
      samples: avg.samples,
      packets,
    };
  }
  // Reports without a round trip (one side sends no sender reports): rtpengine has loss and
  // jitter but no MOS; the E-model estimates one.
  const entries = entry?.["MOS progression"]?.entries ?? [];
  if (entries.length) {
    const lossPct = mean(entries.map((e) => e["packet loss"] ?? 0));
    const jitterMs = mean(entries.map((e) => e.jitter ?? 0));
    const mos = estimateMos({ lossPct, jitterMs, rttMs: null });
    return {
      source: "estimate",
      mos: clampMos(mos),
      mos_min: clampMos(
        Math.min(
          ...entries.map((e) =>
            estimateMos({ lossPct: e["packet loss"] ?? 0, jitterMs: e.jitter ?? 0, rttMs: null }),
          ),
        ),
      ),
      jitter_ms: round2(jitterMs),
      loss_pct: round2(lossPct),
      samples: entries.length,
      packets,
    };
  }
  return { source: "none", samples: 0, packets };
}

/** Both legs of a customer call from rtpengine's query reply (agent: null when never bridged). */
export function callLegs(raw: unknown, bridged: boolean): { customer: LegQuality; agent: LegQuality | null } {
  const reply = QueryReply.parse(raw);
  const carrier = rtpStreamOf(reply, "cc-carrier");
  const agentSide = rtpStreamOf(reply, "cc-us");
  const entryOf = (ssrc: number | null) => (ssrc === null ? undefined : reply.SSRC[String(ssrc)]);
  return {
    customer: legQuality(entryOf(carrier.ssrc), carrier.packets),
    agent: bridged ? legQuality(entryOf(agentSide.ssrc), agentSide.packets) : null,
  };
}

export interface QualityCollectorOptions {
  engine: Rtpengine;
  orgId: string;
  emit: (f: EventFields) => void;
  log: Logger;
  /** Counts legs by source and MOS band (metrics). */
  observed?: (leg: "customer" | "agent", q: LegQuality) => void;
}

/** The `beforeRelease` step of every answered call: read rtpengine's statistics, publish. */
export function qualityCollector(o: QualityCollectorOptions) {
  return async (call: OutboundCall, agentId: string | null): Promise<void> => {
    // rtpengine down: its statistics are gone with it, and waiting for a timeout would only
    // delay the teardown of every call in hand.
    if (!o.engine.up) return;
    const legs = callLegs(await o.engine.query(call.rtpCallId), agentId !== null);
    const base = {
      kind: "call.quality" as const,
      org_id: o.orgId,
      attempt_id: call.req.attemptId,
      campaign_id: call.req.campaignId,
      lead_id: String(call.req.meta?.lead ?? call.req.attemptId),
      trunk: call.trunkId,
      ...(agentId ? { agent_id: agentId } : {}),
    };
    for (const [leg, q] of [
      ["customer", legs.customer],
      ["agent", legs.agent],
    ] as const) {
      if (!q) continue;
      o.observed?.(leg, q);
      o.emit({ ...base, leg, ...q });
    }
  };
}
