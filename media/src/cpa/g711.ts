// G.711 μ-law (PCMU) and A-law (PCMA) codecs with lookup tables, plus Int16 PCM <-> byte helpers.
// Decoding is one table read per sample; encoding indexes a 64 Ki table by the raw 16-bit sample, so
// the hot path (one RTP payload per 20 ms per call) never branches on segments.

export type G711Law = "PCMU" | "PCMA";

const ULAW_BIAS = 0x84;
const ULAW_CLIP = 32635;

function encodeUlawSample(sample: number): number {
  let s = sample;
  const sign = s < 0 ? 0x80 : 0;
  if (s < 0) s = -s;
  if (s > ULAW_CLIP) s = ULAW_CLIP;
  s += ULAW_BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

function decodeUlawSample(byte: number): number {
  const u = ~byte & 0xff;
  const exponent = (u >> 4) & 0x07;
  const mantissa = u & 0x0f;
  const magnitude = (((mantissa << 3) + ULAW_BIAS) << exponent) - ULAW_BIAS;
  return u & 0x80 ? -magnitude : magnitude;
}

function encodeAlawSample(sample: number): number {
  // A-law works on 13-bit magnitudes; the sign bit is set for positive samples (before the 0x55 toggle).
  let s = sample >> 3;
  let sign = 0x80;
  if (s < 0) {
    sign = 0;
    s = -s - 1;
  }
  if (s > 0xfff) s = 0xfff;
  let byte: number;
  if (s < 32) {
    byte = s >> 1;
  } else {
    let exponent = 1;
    for (let v = s >> 5; v > 1; v >>= 1) exponent++;
    byte = (exponent << 4) | ((s >> exponent) & 0x0f);
  }
  return (byte | sign) ^ 0x55;
}

function decodeAlawSample(byte: number): number {
  const a = byte ^ 0x55;
  const exponent = (a >> 4) & 0x07;
  const mantissa = a & 0x0f;
  let magnitude = exponent === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1);
  if (!(a & 0x80)) magnitude = -magnitude;
  return magnitude;
}

function buildDecodeTable(decode: (b: number) => number): Int16Array {
  const table = new Int16Array(256);
  for (let b = 0; b < 256; b++) table[b] = decode(b);
  return table;
}

function buildEncodeTable(encode: (s: number) => number): Uint8Array {
  const table = new Uint8Array(65536);
  for (let s = -32768; s < 32768; s++) table[s & 0xffff] = encode(s);
  return table;
}

const ULAW_DECODE = buildDecodeTable(decodeUlawSample);
const ALAW_DECODE = buildDecodeTable(decodeAlawSample);
const ULAW_ENCODE = buildEncodeTable(encodeUlawSample);
const ALAW_ENCODE = buildEncodeTable(encodeAlawSample);

export function ulawToLinear(byte: number): number {
  return ULAW_DECODE[byte & 0xff]!;
}
export function linearToUlaw(sample: number): number {
  return ULAW_ENCODE[sample & 0xffff]!;
}
export function alawToLinear(byte: number): number {
  return ALAW_DECODE[byte & 0xff]!;
}
export function linearToAlaw(sample: number): number {
  return ALAW_ENCODE[sample & 0xffff]!;
}

function decodeWith(table: Int16Array, bytes: Uint8Array, out?: Int16Array): Int16Array {
  const pcm = out ?? new Int16Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) pcm[i] = table[bytes[i]!]!;
  return pcm;
}

function encodeWith(table: Uint8Array, pcm: Int16Array, out?: Uint8Array): Uint8Array {
  const bytes = out ?? new Uint8Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) bytes[i] = table[pcm[i]! & 0xffff]!;
  return bytes;
}

export function ulawDecode(bytes: Uint8Array, out?: Int16Array): Int16Array {
  return decodeWith(ULAW_DECODE, bytes, out);
}
export function ulawEncode(pcm: Int16Array, out?: Uint8Array): Uint8Array {
  return encodeWith(ULAW_ENCODE, pcm, out);
}
export function alawDecode(bytes: Uint8Array, out?: Int16Array): Int16Array {
  return decodeWith(ALAW_DECODE, bytes, out);
}
export function alawEncode(pcm: Int16Array, out?: Uint8Array): Uint8Array {
  return encodeWith(ALAW_ENCODE, pcm, out);
}

/** Decode an RTP payload of either law (PCMU = payload type 0, PCMA = 8). */
export function g711Decode(law: G711Law, bytes: Uint8Array, out?: Int16Array): Int16Array {
  return law === "PCMU" ? ulawDecode(bytes, out) : alawDecode(bytes, out);
}
export function g711Encode(law: G711Law, pcm: Int16Array, out?: Uint8Array): Uint8Array {
  return law === "PCMU" ? ulawEncode(pcm, out) : alawEncode(pcm, out);
}
/** What the far end hears: the samples after one encode/decode through the given law. */
export function g711RoundTrip(law: G711Law, pcm: Int16Array): Int16Array {
  return g711Decode(law, g711Encode(law, pcm));
}

/** Int16 PCM to little-endian bytes (WAV / raw s16le), independent of host endianness. */
export function pcmToBytes(pcm: Int16Array): Uint8Array {
  const bytes = new Uint8Array(pcm.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < pcm.length; i++) view.setInt16(i * 2, pcm[i]!, true);
  return bytes;
}
/** Little-endian s16 bytes to Int16 PCM; a trailing odd byte is ignored. */
export function bytesToPcm(bytes: Uint8Array): Int16Array {
  const n = bytes.length >> 1;
  const pcm = new Int16Array(n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < n; i++) pcm[i] = view.getInt16(i * 2, true);
  return pcm;
}
