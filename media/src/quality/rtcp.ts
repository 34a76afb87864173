// RTCP as a receiving phone speaks it (RFC 3550): per-source reception statistics (loss and
// interarrival jitter, appendix A.3 and A.8) and receiver reports carrying them. rtpengine reads
// the reports that pass through it and keeps per-SSRC quality blocks (loss, jitter, MOS when it
// knows the round trip); the test phones send them like real phones and carriers do.

export interface ReceptionReport {
  /** SSRC of the source reported on. */
  ssrc: number;
  /** Loss since the previous report, as a fraction of 256. */
  fractionLost: number;
  cumulativeLost: number;
  extendedHighestSeq: number;
  /** Interarrival jitter in timestamp units. */
  jitter: number;
  /** Middle 32 bits of the last SR's NTP time from this source (0: none). */
  lsr: number;
  /** Delay since that SR, in 1/65536 s. */
  dlsr: number;
}

/** Reception statistics of one RTP source. */
export class SourceStats {
  readonly ssrc: number;
  readonly #clockRate: number;
  #baseSeq = -1;
  #maxSeq = 0;
  #cycles = 0;
  #received = 0;
  #expectedPrior = 0;
  #receivedPrior = 0;
  #transit = Number.NaN;
  #jitter = 0;

  constructor(ssrc: number, clockRate = 8000) {
    this.ssrc = ssrc;
    this.#clockRate = clockRate;
  }

  /** One packet arrived: its sequence number, RTP timestamp and arrival time in ms. */
  add(seq: number, timestamp: number, arrivalMs: number): void {
    if (this.#baseSeq < 0) {
      this.#baseSeq = seq;
      this.#maxSeq = seq;
    } else if (seq < this.#maxSeq && this.#maxSeq - seq > 0x8000) {
      this.#cycles += 0x10000; // wrapped
      this.#maxSeq = seq;
    } else if (seq > this.#maxSeq) this.#maxSeq = seq;
    this.#received++;
    const arrival = (arrivalMs * this.#clockRate) / 1000;
    const transit = arrival - timestamp;
    if (!Number.isNaN(this.#transit)) {
      const d = Math.abs(transit - this.#transit);
      this.#jitter += (d - this.#jitter) / 16;
    }
    this.#transit = transit;
  }

  get received(): number {
    return this.#received;
  }

  get expected(): number {
    return this.#baseSeq < 0 ? 0 : this.#cycles + this.#maxSeq - this.#baseSeq + 1;
  }

  /** Jitter in ms. */
  get jitterMs(): number {
    return (this.#jitter * 1000) / this.#clockRate;
  }

  /** The report block for now (and the interval counters move on). */
  report(lsr = 0, dlsr = 0): ReceptionReport {
    const expected = this.expected;
    const lost = Math.max(0, expected - this.#received);
    const expectedInterval = expected - this.#expectedPrior;
    const receivedInterval = this.#received - this.#receivedPrior;
    this.#expectedPrior = expected;
    this.#receivedPrior = this.#received;
    const lostInterval = expectedInterval - receivedInterval;
    const fractionLost =
      expectedInterval > 0 && lostInterval > 0
        ? Math.min(255, Math.floor((lostInterval << 8) / expectedInterval))
        : 0;
    return {
      ssrc: this.ssrc,
      fractionLost,
      cumulativeLost: Math.min(lost, 0x7fffff),
      extendedHighestSeq: (this.#cycles + this.#maxSeq) >>> 0,
      jitter: Math.round(this.#jitter) >>> 0,
      lsr,
      dlsr,
    };
  }
}

/** An RTCP receiver report (PT 201) from `senderSsrc` with one block per source. */
export function buildReceiverReport(senderSsrc: number, blocks: readonly ReceptionReport[]): Buffer {
  const out = Buffer.alloc(8 + 24 * blocks.length);
  out[0] = 0x80 | (blocks.length & 0x1f);
  out[1] = 201;
  out.writeUInt16BE(out.length / 4 - 1, 2);
  out.writeUInt32BE(senderSsrc >>> 0, 4);
  blocks.forEach((b, i) => {
    const o = 8 + 24 * i;
    out.writeUInt32BE(b.ssrc >>> 0, o);
    out.writeUInt32BE(((b.fractionLost & 0xff) << 24) | (b.cumulativeLost & 0xffffff), o + 4);
    out.writeUInt32BE(b.extendedHighestSeq >>> 0, o + 8);
    out.writeUInt32BE(b.jitter >>> 0, o + 12);
    out.writeUInt32BE(b.lsr >>> 0, o + 16);
    out.writeUInt32BE(b.dlsr >>> 0, o + 20);
  });
  return out;
}

/** Parses the blocks of an RTCP receiver report (first packet of a compound); null otherwise. */
export function parseReceiverReport(buf: Buffer): { sender: number; blocks: ReceptionReport[] } | null {
  if (buf.length < 8 || buf[0]! >> 6 !== 2 || buf[1] !== 201) return null;
  const count = buf[0]! & 0x1f;
  if (buf.length < 8 + 24 * count) return null;
  const blocks: ReceptionReport[] = [];
  for (let i = 0; i < count; i++) {
    const o = 8 + 24 * i;
    const word = buf.readUInt32BE(o + 4);
    blocks.push({
      ssrc: buf.readUInt32BE(o),
      fractionLost: word >>> 24,
      cumulativeLost: word & 0xffffff,
      extendedHighestSeq: buf.readUInt32BE(o + 8),
      jitter: buf.readUInt32BE(o + 12),
      lsr: buf.readUInt32BE(o + 16),
      dlsr: buf.readUInt32BE(o + 20),
    });
  }
  return { sender: buf.readUInt32BE(4), blocks };
}

/** NTP time (seconds since 1900) of a Unix epoch ms, as the two 32-bit words of an SR. */
export function ntpOf(epochMs: number): { msw: number; lsw: number } {
  const seconds = epochMs / 1000 + 2_208_988_800;
  const msw = Math.floor(seconds);
  return { msw: msw >>> 0, lsw: Math.floor((seconds - msw) * 2 ** 32) >>> 0 };
}

/** The middle 32 bits of an NTP time: what a receiver report's LSR quotes back. */
export function ntpMiddle(ntp: { msw: number; lsw: number }): number {
  return (((ntp.msw & 0xffff) << 16) | (ntp.lsw >>> 16)) >>> 0;
}

export interface SenderInfo {
  ssrc: number;
  ntp: { msw: number; lsw: number };
  rtpTimestamp: number;
  packets: number;
  octets: number;
}

/** An RTCP sender report (PT 200) with reception blocks. */
export function buildSenderReport(info: SenderInfo, blocks: readonly ReceptionReport[]): Buffer {
  const rr = buildReceiverReport(info.ssrc, blocks);
  const out = Buffer.alloc(rr.length + 20);
  out[0] = rr[0]!;
  out[1] = 200;
  out.writeUInt16BE(out.length / 4 - 1, 2);
  out.writeUInt32BE(info.ssrc >>> 0, 4);
  out.writeUInt32BE(info.ntp.msw, 8);
  out.writeUInt32BE(info.ntp.lsw, 12);
  out.writeUInt32BE(info.rtpTimestamp >>> 0, 16);
  out.writeUInt32BE(info.packets >>> 0, 20);
  out.writeUInt32BE(info.octets >>> 0, 24);
  rr.copy(out, 28, 8);
  return out;
}

/** Sender SSRC and NTP time of an RTCP sender report (first packet of a compound); null otherwise. */
export function parseSenderReport(buf: Buffer): { ssrc: number; ntp: { msw: number; lsw: number } } | null {
  if (buf.length < 28 || buf[0]! >> 6 !== 2 || buf[1] !== 200) return null;
  return { ssrc: buf.readUInt32BE(4), ntp: { msw: buf.readUInt32BE(8), lsw: buf.readUInt32BE(12) } };
}
