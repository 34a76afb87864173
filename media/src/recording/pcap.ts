// The classic pcap format as rtpengine's `--recording-method=pcap` writes it: a 24-byte file
// header, then per packet a 16-byte record header and the bytes (here raw IPv4/IPv6 packets,
// linktype 101, with UDP inside). Written by hand: the format is thirty lines, and the npm
// parsers are either native libpcap bindings or unmaintained stream wrappers.

export interface UdpDatagram {
  /** Capture time, ms since the epoch (microsecond precision kept as a fraction). */
  atMs: number;
  srcPort: number;
  dstPort: number;
  payload: Buffer;
}

export class PcapError extends Error {
  readonly code = "BAD_PCAP";
  constructor(message: string) {
    super(message);
    this.name = "PcapError";
  }
}

const LINKTYPE_NULL = 0;
const LINKTYPE_ETHERNET = 1;
const LINKTYPE_RAW = 101;
const LINKTYPE_LINUX_SLL = 113;
const LINKTYPE_IPV4 = 228;
const LINKTYPE_IPV6 = 229;

/** Every UDP datagram in a pcap file, in file order. A truncated last record is ignored. */
export function udpDatagrams(file: Buffer): UdpDatagram[] {
  if (file.length < 24) throw new PcapError("shorter than a pcap header");
  const magic = file.readUInt32LE(0);
  let le: boolean;
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) le = true;
  else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) le = false;
  else throw new PcapError(`not a pcap file (magic ${magic.toString(16)})`);
  const nanos = magic === 0xa1b23c4d || magic === 0x4d3cb2a1;
  const u32 = (o: number) => (le ? file.readUInt32LE(o) : file.readUInt32BE(o));
  const linktype = u32(20) & 0xffff;
  const out: UdpDatagram[] = [];
  for (let o = 24; o + 16 <= file.length; ) {
    const atMs = u32(o) * 1000 + u32(o + 4) / (nanos ? 1e6 : 1e3);
    const len = u32(o + 8);
    const start = o + 16;
    if (start + len > file.length) break;
    const d = udpOf(file.subarray(start, start + len), linktype);
    if (d) out.push({ atMs, ...d });
    o = start + len;
  }
  return out;
}

function udpOf(frame: Buffer, linktype: number): Omit<UdpDatagram, "atMs"> | null {
  let ip: Buffer;
  switch (linktype) {
    case LINKTYPE_RAW:
    case LINKTYPE_IPV4:
    case LINKTYPE_IPV6:
      ip = frame;
      break;
    case LINKTYPE_NULL:
      ip = frame.subarray(4);
      break;
    case LINKTYPE_ETHERNET:
      ip = frame.subarray(14);
      break;
    case LINKTYPE_LINUX_SLL:
      ip = frame.subarray(16);
      break;
    default:
      throw new PcapError(`unsupported link type ${linktype}`);
  }
  if (ip.length < 1) return null;
  const version = ip[0]! >> 4;
  let udp: Buffer;
  if (version === 4) {
    const ihl = (ip[0]! & 0x0f) * 4;
    if (ip.length < ihl + 8 || ip[9] !== 17) return null;
    udp = ip.subarray(ihl);
  } else if (version === 6) {
    if (ip.length < 48 || ip[6] !== 17) return null; // no extension headers on RTP
    udp = ip.subarray(40);
  } else return null;
  const udpLen = udp.readUInt16BE(4);
  return {
    srcPort: udp.readUInt16BE(0),
    dstPort: udp.readUInt16BE(2),
    payload: udp.subarray(8, Math.min(udp.length, Math.max(8, udpLen))),
  };
}
