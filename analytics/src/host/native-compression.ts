// ClickHouse's own compressed block format over HTTP (`compress=1` for the response,
// `decompress=1` for the request body) — what the official JDBC driver (client-v2) asks for by
// default. A stream of blocks: CityHash128 (v1.0.2, as ClickHouse pins it) of the rest of the
// block, then method byte (0x02 none, 0x82 LZ4, 0x90 ZSTD), compressed size including the
// 9-byte header (u32 LE), uncompressed size (u32 LE), then the data.
import zlib from "node:zlib";
import { compressSync, uncompressSync } from "lz4-napi";
import { ClickHouseHttpError } from "./errors.ts";

const M64 = (1n << 64n) - 1n;
const k0 = 0xc3a5c85c97cb3127n;
const k1 = 0xb492b66fbe98f273n;
const k2 = 0x9ae16a3b2f90404fn;
const k3 = 0xc949d7c7509e6557n;
const kMul = 0x9ddfea08eb382d69n;

const u64 = (x: bigint) => x & M64;
const mul = (a: bigint, b: bigint) => (a * b) & M64;
const rot = (v: bigint, s: number) => (s === 0 ? v : ((v >> BigInt(s)) | (v << BigInt(64 - s))) & M64);
const shiftMix = (v: bigint) => v ^ (v >> 47n);
const f64 = (b: Buffer, at: number) => b.readBigUInt64LE(at);
const f32 = (b: Buffer, at: number) => BigInt(b.readUInt32LE(at));

function hashLen16(u: bigint, v: bigint): bigint {
  let a = mul(u ^ v, kMul);
  a ^= a >> 47n;
  let b = mul(v ^ a, kMul);
  b ^= b >> 47n;
  return mul(b, kMul);
}

function hashLen0to16(s: Buffer, at: number, len: number): bigint {
  if (len > 8) {
    const a = f64(s, at);
    const b = f64(s, at + len - 8);
    return hashLen16(a, rot(u64(b + BigInt(len)), len)) ^ b;
  }
  if (len >= 4) {
    const a = f32(s, at);
    return hashLen16(u64(BigInt(len) + (a << 3n)), f32(s, at + len - 4));
  }
  if (len > 0) {
    const y = BigInt(s[at]!) + (BigInt(s[at + (len >> 1)]!) << 8n);
    const z = BigInt(len) + (BigInt(s[at + len - 1]!) << 2n);
    return mul(shiftMix(mul(y, k2) ^ mul(z, k3)), k2);
  }
  return k2;
}

function weak32(s: Buffer, at: number, a: bigint, b: bigint): [bigint, bigint] {
  const w = f64(s, at);
  const x = f64(s, at + 8);
  const y = f64(s, at + 16);
  const z = f64(s, at + 24);
  a = u64(a + w);
  b = rot(u64(b + a + z), 21);
  const c = a;
  a = u64(a + x + y);
  b = u64(b + rot(a, 44));
  return [u64(a + z), u64(b + c)];
}

function cityMurmur(s: Buffer, at: number, len: number, lo: bigint, hi: bigint): [bigint, bigint] {
  let a = lo;
  let b = hi;
  let c: bigint;
  let d: bigint;
  let l = len - 16;
  if (l <= 0) {
    a = mul(shiftMix(mul(a, k1)), k1);
    c = u64(mul(b, k1) + hashLen0to16(s, at, len));
    d = shiftMix(u64(a + (len >= 8 ? f64(s, at) : c)));
  } else {
    c = hashLen16(u64(f64(s, at + len - 8) + k1), a);
    d = hashLen16(u64(b + BigInt(len)), u64(c + f64(s, at + len - 16)));
    a = u64(a + d);
    do {
      a ^= mul(shiftMix(mul(f64(s, at), k1)), k1);
      a = mul(a, k1);
      b ^= a;
      c ^= mul(shiftMix(mul(f64(s, at + 8), k1)), k1);
      c = mul(c, k1);
      d ^= c;
      at += 16;
      l -= 16;
    } while (l > 0);
  }
  a = hashLen16(a, c);
  b = hashLen16(d, b);
  return [a ^ b, hashLen16(b, a)];
}

function city128WithSeed(s: Buffer, at: number, len: number, lo: bigint, hi: bigint): [bigint, bigint] {
  if (len < 128) return cityMurmur(s, at, len, lo, hi);
  let x = lo;
  let y = hi;
  let z = mul(BigInt(len), k1);
  let v0 = u64(mul(rot(y ^ k1, 49), k1) + f64(s, at));
  let v1 = u64(mul(rot(v0, 42), k1) + f64(s, at + 8));
  let w0 = u64(mul(rot(u64(y + z), 35), k1) + x);
  let w1 = mul(rot(u64(x + f64(s, at + 88)), 53), k1);
  const round = () => {
    x = mul(rot(u64(x + y + v0 + f64(s, at + 16)), 37), k1);
    y = mul(rot(u64(y + v1 + f64(s, at + 48)), 42), k1);
    x ^= w1;
    y ^= v0;
    z = rot(z ^ w0, 33);
    [v0, v1] = weak32(s, at, mul(v1, k1), u64(x + w0));
    [w0, w1] = weak32(s, at + 32, u64(z + w1), y);
    [z, x] = [x, z];
    at += 64;
  };
  do {
    round();
    round();
    len -= 128;
  } while (len >= 128);
  y = u64(y + mul(rot(w0, 37), k0) + z);
  x = u64(x + mul(rot(u64(v0 + z), 49), k0));
  for (let done = 0; done < len; ) {
    done += 32;
    y = u64(mul(rot(u64(y - x), 42), k0) + v1);
    w0 = u64(w0 + f64(s, at + len - done + 16));
    x = u64(mul(rot(x, 49), k0) + w0);
    w0 = u64(w0 + v0);
    [v0, v1] = weak32(s, at + len - done, v0, v1);
  }
  x = hashLen16(x, v0);
  y = hashLen16(y, w0);
  return [u64(hashLen16(u64(x + v1), w1) + y), hashLen16(u64(x + w1), u64(y + v1))];
}

/** CityHash128 v1.0.2 (ClickHouse's checksum), as [low64, high64]. */
export function cityHash128(s: Buffer): [bigint, bigint] {
  const len = s.length;
  if (len >= 16) return city128WithSeed(s, 16, len - 16, f64(s, 0) ^ k3, f64(s, 8));
  if (len >= 8) {
    return city128WithSeed(s, 0, 0, f64(s, 0) ^ mul(BigInt(len), k0), f64(s, len - 8) ^ k1);
  }
  return city128WithSeed(s, 0, len, k0, k1);
}

const METHOD_NONE = 0x02;
const METHOD_LZ4 = 0x82;
const METHOD_ZSTD = 0x90;
const BLOCK = 1 << 20; // ClickHouse's max_compress_block_size

function frame(method: number, data: Buffer, rawSize: number): Buffer {
  const out = Buffer.allocUnsafe(16 + 9 + data.length);
  out[16] = method;
  out.writeUInt32LE(9 + data.length, 17);
  out.writeUInt32LE(rawSize, 21);
  data.copy(out, 25);
  const [lo, hi] = cityHash128(out.subarray(16));
  out.writeBigUInt64LE(lo, 0);
  out.writeBigUInt64LE(hi, 8);
  return out;
}

/** The response body as ClickHouse compressed blocks (LZ4, or ZSTD when network_compression_method asks). */
export function compressBlocks(payload: Buffer, method: string | null): Buffer {
  const zstd = (method ?? "").toLowerCase() === "zstd";
  const parts: Buffer[] = [];
  for (let at = 0; at < payload.length; at += BLOCK) {
    const raw = payload.subarray(at, Math.min(at + BLOCK, payload.length));
    // lz4-napi's block compress prepends the raw size (u32 LE); the wire wants the bare block.
    const data = zstd ? zlib.zstdCompressSync(raw) : compressSync(raw).subarray(4);
    parts.push(frame(zstd ? METHOD_ZSTD : METHOD_LZ4, data, raw.length));
  }
  return Buffer.concat(parts);
}

/** A request body of ClickHouse compressed blocks (decompress=1), checksums verified. */
export function decompressBlocks(body: Buffer, limit: number): Buffer {
  const parts: Buffer[] = [];
  let size = 0;
  let at = 0;
  const fail = (why: string) => ClickHouseHttpError.of("CANNOT_DECOMPRESS", `Cannot decompress: ${why}`);
  while (at < body.length) {
    if (at + 25 > body.length) throw fail("truncated block header");
    const method = body[at + 16]!;
    const compressed = body.readUInt32LE(at + 17);
    const rawSize = body.readUInt32LE(at + 21);
    if (compressed < 9 || at + 16 + compressed > body.length) throw fail("truncated block");
    const block = body.subarray(at + 16, at + 16 + compressed);
    const [lo, hi] = cityHash128(block);
    if (body.readBigUInt64LE(at) !== lo || body.readBigUInt64LE(at + 8) !== hi) {
      throw fail("checksum doesn't match: corrupted data");
    }
    size += rawSize;
    if (size > limit) {
      throw ClickHouseHttpError.of("QUERY_IS_TOO_LARGE", `request body larger than ${limit} bytes`, {
        status: 413,
      });
    }
    const data = block.subarray(9);
    if (method === METHOD_NONE) parts.push(data);
    else if (method === METHOD_LZ4) {
      const sized = Buffer.allocUnsafe(4 + data.length);
      sized.writeUInt32LE(rawSize, 0);
      data.copy(sized, 4);
      parts.push(uncompressSync(sized));
    } else if (method === METHOD_ZSTD) parts.push(zlib.zstdDecompressSync(data));
    else throw fail(`unknown compression method 0x${method.toString(16)}`);
    at += 16 + compressed;
  }
  return Buffer.concat(parts, size);
}
