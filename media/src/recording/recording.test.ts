// The pcap → channels → WAV path on synthetic captures (reordering, duplicates, loss, wrap-around,
// A-law), retention by day, and the export's checksums.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { tempDir } from "@cc/infra";
import type { EventFields } from "@cc/ingest";
import { describe, expect, it } from "vitest";
import { g711Encode } from "../cpa/g711.ts";
import { tone } from "../rtp/endpoint.ts";
import { buildRtp } from "../rtp/rtp.ts";
import { exportRecordings, verifyExport } from "./export.ts";
import { udpDatagrams } from "./pcap.ts";
import { sweepRecordings } from "./retention.ts";
import { callTracks } from "./tracks.ts";
import { toneMs } from "./verify.ts";
import { readWavFile, wavFile } from "./wav.ts";

interface Pkt {
  atMs: number;
  src: number;
  dst: number;
  seq: number;
  ts: number;
  ssrc: number;
  pt?: number;
  pcm: Int16Array;
}

/** A pcap as rtpengine writes it: linktype 101 (raw IP), IPv4 + UDP + RTP. */
function pcapOf(pkts: Pkt[]): Buffer {
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(65535, 16);
  head.writeUInt32LE(101, 20);
  const recs = pkts.map((p) => {
    const law = p.pt === 8 ? "PCMA" : "PCMU";
    const rtp = buildRtp({
      payloadType: p.pt ?? 0,
      marker: false,
      seq: p.seq & 0xffff,
      timestamp: p.ts >>> 0,
      ssrc: p.ssrc,
      payload: Buffer.from(g711Encode(law, p.pcm)),
    });
    const ip = Buffer.alloc(28 + rtp.length);
    ip[0] = 0x45;
    ip.writeUInt16BE(ip.length, 2);
    ip[8] = 64;
    ip[9] = 17;
    ip.writeUInt32BE(0x7f000001, 12);
    ip.writeUInt32BE(0x7f000001, 16);
    ip.writeUInt16BE(p.src, 20);
    ip.writeUInt16BE(p.dst, 22);
    ip.writeUInt16BE(8 + rtp.length, 24);
    rtp.copy(ip, 28);
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(Math.floor(p.atMs / 1000), 0);
    rec.writeUInt32LE(Math.round((p.atMs % 1000) * 1000), 4);
    rec.writeUInt32LE(ip.length, 8);
    rec.writeUInt32LE(ip.length, 12);
    return Buffer.concat([rec, ip]);
  });
  return Buffer.concat([head, ...recs]);
}

const T0 = 1_767_225_600_000;
const frame = (hz: number) => tone(hz, 20);
function stream(o: {
  n: number;
  hz: number;
  src: number;
  dst: number;
  ssrc: number;
  seq0: number;
  ts0: number;
  atMs?: number;
  pt?: number;
}): Pkt[] {
  return Array.from({ length: o.n }, (_, i) => ({
    atMs: (o.atMs ?? T0) + i * 20,
    src: o.src,
    dst: o.dst,
    seq: o.seq0 + i,
    ts: o.ts0 + i * 160,
    ssrc: o.ssrc,
    ...(o.pt !== undefined ? { pt: o.pt } : {}),
    pcm: frame(o.hz),
  }));
}

describe("pcap → customer and agent channels", () => {
  const customer = stream({ n: 100, hz: 697, src: 40000, dst: 30000, ssrc: 1, seq0: 65500, ts0: 0xffffff00 });
  const agent = stream({
    n: 100,
    hz: 1209,
    src: 30010,
    dst: 30002,
    ssrc: 2,
    seq0: 10,
    ts0: 5,
    atMs: T0 + 200,
    pt: 8,
  });

  it("puts each side on its channel, aligned by capture time, across sequence and timestamp wrap", () => {
    const t = callTracks(udpDatagrams(pcapOf([...customer, ...agent])), new Set([30002]));
    expect(t.packets).toBe(200);
    expect(t.lostPackets).toBe(0);
    expect(t.durationMs).toBe(2200); // agent starts 200 ms later and lasts 2 s
    expect(toneMs(t.customer, 697)).toBe(2000);
    expect(toneMs(t.agent, 1209)).toBe(2000);
    expect(toneMs(t.customer, 1209)).toBe(0);
    expect(toneMs(t.agent, 697)).toBe(0);
    // The agent's first 200 ms are silence.
    expect(t.agent.subarray(0, 1600).every((x) => x === 0)).toBe(true);
  });

  it("reorders by sequence number, drops duplicates and leaves lost packets as silence", () => {
    const shuffled = [...customer];
    [shuffled[10], shuffled[11]] = [shuffled[11]!, shuffled[10]!];
    shuffled.push(customer[20]!); // a duplicate
    shuffled.splice(50, 5); // five lost
    const t = callTracks(udpDatagrams(pcapOf(shuffled)), new Set());
    expect(t.packets).toBe(95);
    expect(t.lostPackets).toBe(5);
    expect(t.durationMs).toBe(2000);
    expect(toneMs(t.customer, 697)).toBe(1900);
    expect(t.customer.subarray(50 * 160, 55 * 160).every((x) => x === 0)).toBe(true);
  });

  it("writes and reads back stereo WAV", () => {
    const t = callTracks(udpDatagrams(pcapOf([...customer, ...agent])), new Set([30002]));
    const wav = readWavFile(wavFile([t.customer, t.agent]));
    expect(wav.sampleRate).toBe(8000);
    expect(wav.channels[0]).toEqual(t.customer);
    expect(wav.channels[1]).toEqual(t.agent);
  });

  it("refuses what is not a pcap", () => {
    expect(() => udpDatagrams(Buffer.from("RIFF....WAVEfmt not a capture"))).toThrow(/not a pcap/);
  });
});

describe("retention and export", () => {
  async function dataDirWith(days: string[]): Promise<string> {
    const dir = await tempDir("rec-unit");
    for (const d of days) {
      await mkdir(path.join(dir, "recordings", "acme", d), { recursive: true });
      await writeFile(
        path.join(dir, "recordings", "acme", d, `att-${d}.wav`),
        wavFile([frame(697), frame(1209)]),
      );
      await writeFile(path.join(dir, "recordings", "acme", d, `att-${d}.mono.wav`), wavFile([frame(697)]));
    }
    return dir;
  }

  it("deletes days older than the retention, one recording.deleted per call", async () => {
    const dir = await dataDirWith(["2026-01-01", "2026-01-25", "2026-01-31"]);
    const events: EventFields[] = [];
    const r = await sweepRecordings({
      dataDir: dir,
      orgId: "acme",
      retentionDays: 7,
      emit: (e) => events.push(e),
      now: Date.parse("2026-02-02T12:00:00Z"),
    });
    expect(r).toEqual({ deletedCalls: 2, deletedFiles: 4 });
    expect(events.map((e) => "attempt_id" in e && e.attempt_id)).toEqual([
      "att-2026-01-01",
      "att-2026-01-25",
    ]);
    expect(events[0]).toMatchObject({ kind: "recording.deleted", reason: "retention", age_days: 32 });
    await expect(
      readFile(path.join(dir, "recordings/acme/2026-01-31/att-2026-01-31.wav")),
    ).resolves.toBeTruthy();
  });

  it("exports a date range with a verified manifest and catches a tampered copy", async () => {
    const dir = await dataDirWith(["2026-01-01", "2026-01-25", "2026-01-31"]);
    const to = await tempDir("rec-export");
    const m = await exportRecordings({
      dataDir: dir,
      orgId: "acme",
      since: "2026-01-20",
      until: "2026-01-31",
      to,
    });
    expect(m.files.map((f) => f.path)).toEqual([
      "recordings/acme/2026-01-25/att-2026-01-25.mono.wav",
      "recordings/acme/2026-01-25/att-2026-01-25.wav",
      "recordings/acme/2026-01-31/att-2026-01-31.mono.wav",
      "recordings/acme/2026-01-31/att-2026-01-31.wav",
    ]);
    expect(await verifyExport(to)).toEqual({ files: 4, problems: [] });
    const victim = path.join(to, "recordings/acme/2026-01-25/att-2026-01-25.wav");
    const bytes = await readFile(victim);
    bytes[100] = (bytes[100]! + 1) & 0xff;
    await writeFile(victim, bytes);
    expect((await verifyExport(to)).problems).toEqual([
      "recordings/acme/2026-01-25/att-2026-01-25.wav: checksum differs",
    ]);
  });
});
