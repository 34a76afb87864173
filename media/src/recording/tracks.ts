// rtpengine's pcap of one call → two 8 kHz channels: the customer (what the carrier sent) and the
// agent (what reached our side of the customer call from the agent's session). Each RTP stream
// (one SSRC in one direction) is placed by its RTP timestamps, so reordered packets land where
// they belong, duplicates count once and lost packets leave silence of the right length; streams
// are anchored to each other by the capture time of their first packet.
import { g711Decode } from "../cpa/g711.ts";
import { PT_PCMA, PT_PCMU, parseRtp } from "../rtp/rtp.ts";
import type { UdpDatagram } from "./pcap.ts";

export const RECORDING_RATE = 8000;
/** A timestamp jump beyond this is a broken stream, not a pause (protects memory). */
const MAX_SPAN_SAMPLES = 4 * 3600 * RECORDING_RATE;

export interface CallTracks {
  customer: Int16Array;
  agent: Int16Array;
  durationMs: number;
  /** Audio packets used, and packets missing by sequence number (filled with silence). */
  packets: number;
  lostPackets: number;
}

interface StreamPacket {
  extSeq: number;
  extTs: number;
  pt: number;
  payload: Buffer;
}

interface Stream {
  channel: "customer" | "agent";
  firstAtMs: number;
  packets: StreamPacket[];
  lastSeq: number;
  lastTs: number;
  seqCycles: number;
  tsCycles: number;
}

/**
 * Splits a call's datagrams into channels: datagrams to one of `agentPorts` (rtpengine's ports on
 * our side of the customer call, where the agent's session sends) are the agent; the rest are the
 * customer. Non-audio payloads (RFC 4733 events, comfort noise, RTCP) are skipped.
 */
export function callTracks(datagrams: readonly UdpDatagram[], agentPorts: ReadonlySet<number>): CallTracks {
  const streams = collectStreams(datagrams, agentPorts);
  if (!streams.length)
    return {
      customer: new Int16Array(0),
      agent: new Int16Array(0),
      durationMs: 0,
      packets: 0,
      lostPackets: 0,
    };
  const t0 = Math.min(...streams.map((s) => s.firstAtMs));
  let length = 0;
  const placed = streams.map((s) => {
    s.packets.sort((a, b) => a.extSeq - b.extSeq);
    const offset = Math.round(((s.firstAtMs - t0) * RECORDING_RATE) / 1000);
    const ts0 = s.packets[0]!.extTs;
    for (const p of s.packets) {
      const end = offset + (p.extTs - ts0) + p.payload.length;
      if (p.extTs - ts0 >= 0 && end <= MAX_SPAN_SAMPLES) length = Math.max(length, end);
    }
    return { s, offset, ts0 };
  });
  const customer = new Int16Array(length);
  const agent = new Int16Array(length);
  let packets = 0;
  let lostPackets = 0;
  for (const { s, offset, ts0 } of placed) {
    const out = s.channel === "agent" ? agent : customer;
    let prevSeq = -1;
    for (const p of s.packets) {
      if (p.extSeq === prevSeq) continue; // duplicate
      if (prevSeq >= 0) lostPackets += Math.max(0, p.extSeq - prevSeq - 1);
      prevSeq = p.extSeq;
      const at = offset + (p.extTs - ts0);
      if (at < 0 || at + p.payload.length > length) continue;
      const pcm = g711Decode(p.pt === PT_PCMA ? "PCMA" : "PCMU", p.payload);
      for (let i = 0; i < pcm.length; i++) out[at + i] = clamp(out[at + i]! + pcm[i]!);
      packets++;
    }
  }
  return { customer, agent, durationMs: Math.round((length * 1000) / RECORDING_RATE), packets, lostPackets };
}

function collectStreams(datagrams: readonly UdpDatagram[], agentPorts: ReadonlySet<number>): Stream[] {
  const byKey = new Map<string, Stream>();
  for (const d of datagrams) {
    const rtp = parseRtp(d.payload);
    if (!rtp || (rtp.payloadType !== PT_PCMU && rtp.payloadType !== PT_PCMA) || !rtp.payload.length) continue;
    const key = `${d.dstPort}/${rtp.ssrc}`;
    let s = byKey.get(key);
    if (!s) {
      s = {
        channel: agentPorts.has(d.dstPort) ? "agent" : "customer",
        firstAtMs: d.atMs,
        packets: [],
        lastSeq: rtp.seq,
        lastTs: rtp.timestamp,
        seqCycles: 0,
        tsCycles: 0,
      };
      byKey.set(key, s);
    }
    // Sequence numbers and timestamps wrap (16 and 32 bits): extend them relative to the last seen.
    if (rtp.seq < s.lastSeq && s.lastSeq - rtp.seq > 0x8000) s.seqCycles++;
    else if (rtp.seq > s.lastSeq && rtp.seq - s.lastSeq > 0x8000 && s.seqCycles > 0) s.seqCycles--;
    if (rtp.timestamp < s.lastTs && s.lastTs - rtp.timestamp > 0x80000000) s.tsCycles++;
    else if (rtp.timestamp > s.lastTs && rtp.timestamp - s.lastTs > 0x80000000 && s.tsCycles > 0)
      s.tsCycles--;
    s.lastSeq = rtp.seq;
    s.lastTs = rtp.timestamp;
    s.packets.push({
      extSeq: s.seqCycles * 0x10000 + rtp.seq,
      extTs: s.tsCycles * 0x100000000 + rtp.timestamp,
      pt: rtp.payloadType,
      payload: rtp.payload,
    });
  }
  return [...byKey.values()];
}

const clamp = (x: number) => (x > 32767 ? 32767 : x < -32768 ? -32768 : x);

/** Both voices in one channel (each at half level, so two loud voices never clip). */
export function monoMix(t: CallTracks): Int16Array {
  const out = new Int16Array(t.customer.length);
  for (let i = 0; i < out.length; i++) out[i] = (t.customer[i]! + t.agent[i]!) >> 1;
  return out;
}
