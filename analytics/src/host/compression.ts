// HTTP compression of the embedded host, as ClickHouse's HTTP interface does it: request bodies
// in any Content-Encoding ClickHouse reads (gzip, deflate, br, zstd, lz4 — the LZ4 *frame*
// format, which clickhouse-connect sends by default), and responses in the first encoding of
// Accept-Encoding that we know when the client set enable_http_compression=1.
import { Transform, type TransformCallback } from "node:stream";
import zlib from "node:zlib";
import { compressFrame, decompressFrame } from "lz4-napi";
import { ClickHouseHttpError } from "./errors.ts";

export type BodyDecoder = Transform;

const LZ4_FRAME_MAGIC = 0x184d2204;
const LZ4_BLOCK_MAX = [0, 0, 0, 0, 64 << 10, 256 << 10, 1 << 20, 4 << 20];

/**
 * Upper bound of the decompressed size of a buffer of LZ4 frames, read from the frame
 * headers alone (blocks × the frame's block size), so a small body cannot make the host
 * inflate gigabytes before the body limit applies.
 */
export function lz4FramesBound(buf: Buffer): number {
  let at = 0;
  let bound = 0;
  while (at < buf.length) {
    if (at + 4 > buf.length) throw new Error("truncated LZ4 frame");
    const magic = buf.readUInt32LE(at);
    if ((magic & 0xfffffff0) === 0x184d2a50) {
      // skippable frame
      at += 8 + buf.readUInt32LE(at + 4);
      continue;
    }
    if (magic !== LZ4_FRAME_MAGIC) throw new Error("not an LZ4 frame (bad magic number)");
    const flg = buf[at + 4] ?? 0;
    const bd = buf[at + 5] ?? 0;
    const blockMax = LZ4_BLOCK_MAX[(bd >> 4) & 7] ?? 0;
    if (blockMax === 0) throw new Error("LZ4 frame with an invalid block size");
    const blockChecksum = (flg & 0x10) !== 0;
    at += 7 + ((flg & 0x08) !== 0 ? 8 : 0) + ((flg & 0x01) !== 0 ? 4 : 0);
    for (;;) {
      if (at + 4 > buf.length) throw new Error("truncated LZ4 frame");
      const size = buf.readUInt32LE(at) & 0x7fffffff;
      at += 4;
      if (size === 0) break;
      at += size + (blockChecksum ? 4 : 0);
      bound += blockMax;
    }
    if ((flg & 0x04) !== 0) at += 4; // content checksum
  }
  return bound;
}

/** Collects an LZ4-frame body (bounded), checks its size bound, then decompresses it whole. */
function lz4Decoder(limit: number): Transform {
  const chunks: Buffer[] = [];
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      size += chunk.length;
      if (size > limit) return done(new Error(`compressed body larger than ${limit} bytes`));
      chunks.push(chunk);
      done();
    },
    flush(done: TransformCallback) {
      const body = Buffer.concat(chunks, size);
      let bound: number;
      try {
        bound = lz4FramesBound(body);
      } catch (err) {
        return done(err as Error);
      }
      if (bound > limit) {
        return done(
          ClickHouseHttpError.of("QUERY_IS_TOO_LARGE", `request body larger than ${limit} bytes`, {
            status: 413,
          }),
        );
      }
      decompressFrame(body).then(
        (out) => done(null, out),
        (err: Error) => done(err),
      );
    },
  });
}

/** A decoder for the request's Content-Encoding, or undefined for an uncompressed body. */
export function requestDecoder(encoding: string | undefined, limit: number): BodyDecoder | undefined {
  switch ((encoding ?? "").trim().toLowerCase()) {
    case "":
    case "identity":
    case "none":
      return undefined;
    case "gzip":
    case "x-gzip":
      return zlib.createGunzip();
    case "deflate":
      return zlib.createInflate();
    case "br":
      return zlib.createBrotliDecompress();
    case "zstd":
      return zlib.createZstdDecompress();
    case "lz4":
      return lz4Decoder(limit);
    default:
      throw ClickHouseHttpError.of("UNSUPPORTED_MEDIA_TYPE", `Unknown Content-Encoding '${encoding}'`);
  }
}

export interface ResponseEncoding {
  readonly name: string;
  encode(payload: Buffer): Promise<Buffer>;
}

function zlibEncoding(name: string, fn: (b: Buffer, cb: (e: Error | null, r: Buffer) => void) => void) {
  return {
    name,
    encode: (payload: Buffer) =>
      new Promise<Buffer>((resolve, reject) => fn(payload, (e, r) => (e ? reject(e) : resolve(r)))),
  };
}

/**
 * The response encoding: only with enable_http_compression=1, the first Accept-Encoding
 * entry we support (ClickHouse's order of preference is the client's).
 */
export function responseEncoding(
  acceptEncoding: string | undefined,
  params: URLSearchParams,
): ResponseEncoding | undefined {
  if (params.get("enable_http_compression") !== "1") return undefined;
  const level = Number(params.get("http_zlib_compression_level") ?? "3");
  const zlevel = Number.isInteger(level) && level >= 1 && level <= 9 ? level : 3;
  const offered = String(acceptEncoding ?? "")
    .toLowerCase()
    .split(",")
    .map((s) => s.split(";")[0]!.trim());
  for (const name of offered) {
    switch (name) {
      case "gzip":
      case "x-gzip":
        return zlibEncoding(name, (b, cb) => zlib.gzip(b, { level: zlevel }, cb));
      case "deflate":
        return zlibEncoding(name, (b, cb) => zlib.deflate(b, { level: zlevel }, cb));
      case "br":
        return zlibEncoding(name, (b, cb) =>
          zlib.brotliCompress(b, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: zlevel } }, cb),
        );
      case "zstd":
        return zlibEncoding(name, (b, cb) =>
          zlib.zstdCompress(b, { params: { [zlib.constants.ZSTD_c_compressionLevel]: zlevel } }, cb),
        );
      case "lz4":
        return { name, encode: (payload: Buffer) => compressFrame(payload) };
    }
  }
  return undefined;
}
