// INSERT data the engine cannot take inline after the query text: binary formats (Native,
// RowBinary, Parquet, … — what clickhouse-connect, clickhouse-go and JDBC send by default),
// or any body holding NUL bytes or invalid UTF-8. chDB reads inline data as text and stops
// at the first NUL, so such a body is written to a private temp file and the INSERT becomes
// `INSERT INTO t … FROM INFILE '<file>' FORMAT X`: the engine's own reader, byte for byte.
import { isUtf8 } from "node:buffer";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { sqlString } from "./engine.ts";
import { ClickHouseHttpError } from "./errors.ts";

const BINARY_FORMATS = new Set(
  [
    "Native",
    "RowBinary",
    "RowBinaryWithNames",
    "RowBinaryWithNamesAndTypes",
    "RowBinaryWithDefaults",
    "Parquet",
    "Arrow",
    "ArrowStream",
    "ORC",
    "Avro",
    "Protobuf",
    "ProtobufSingle",
    "ProtobufList",
    "CapnProto",
    "MsgPack",
    "BSONEachRow",
    "Npy",
    "RawBLOB",
  ].map((f) => f.toLowerCase()),
);

const FORMAT_AT_END_RE = /\bFORMAT\s+([A-Za-z][A-Za-z0-9_]*)\s*;?\s*$/i;
const SETTINGS_RE = /\sSETTINGS\s+[A-Za-z_][A-Za-z0-9_]*\s*=/i;
// A query at the start of the body: data begins after the format name and one line break.
const QUERY_IN_BODY_RE = /^\s*(INSERT\b[^\n]*?\bFORMAT\s+[A-Za-z][A-Za-z0-9_]*)[ \t]*\r?\n/i;

export interface SpooledInsert {
  readonly sql: string;
  /** Removes the temp file. */
  done(): Promise<void>;
}

/** Whether the body must travel through a file rather than inline. */
export function needsSpool(format: string | undefined, body: Buffer): boolean {
  if (body.length === 0) return false;
  if (format !== undefined && BINARY_FORMATS.has(format.toLowerCase())) return true;
  return body.includes(0) || !isUtf8(body);
}

/** `INSERT … [SETTINGS …] FORMAT X` → `INSERT … FROM INFILE 'file' [SETTINGS …] FORMAT X`. */
export function withInfile(insert: string, file: string): string {
  const format = FORMAT_AT_END_RE.exec(insert);
  if (!format) {
    throw ClickHouseHttpError.of(
      "BAD_ARGUMENTS",
      "binary INSERT data needs the query to end with FORMAT <name> (in the query parameter)",
    );
  }
  const head = insert.slice(0, format.index);
  const settings = SETTINGS_RE.exec(head);
  const at = settings ? settings.index : format.index;
  return `${insert.slice(0, at).trimEnd()} FROM INFILE ${sqlString(file)} ${insert.slice(at).trimStart()}`;
}

export class InsertSpool {
  #dir: Promise<string> | undefined;

  /** The private temp dir, made on first use. */
  #directory(): Promise<string> {
    this.#dir ??= mkdtemp(path.join(tmpdir(), "cc-ch-insert-"));
    return this.#dir;
  }

  /**
   * The spooled form of an INSERT whose data (`body`) cannot go inline, or undefined when
   * it can. `head` is the query from the URL (empty when the query opens the body).
   */
  async prepare(head: string, body: Buffer): Promise<SpooledInsert | undefined> {
    let query = head.trim();
    let data = body;
    if (query === "") {
      const m = QUERY_IN_BODY_RE.exec(body.subarray(0, 64 * 1024).toString("latin1"));
      if (!m) return undefined;
      query = Buffer.from(m[1]!, "latin1").toString("utf8");
      data = body.subarray(Buffer.byteLength(m[0], "latin1"));
    }
    if (!needsSpool(FORMAT_AT_END_RE.exec(query)?.[1], data)) return undefined;
    const file = path.join(await this.#directory(), `${randomUUID()}.bin`);
    const sql = withInfile(query, file);
    await writeFile(file, data, { mode: 0o600 });
    return { sql, done: () => rm(file, { force: true }) };
  }

  async close(): Promise<void> {
    if (this.#dir) await rm(await this.#dir, { recursive: true, force: true });
    this.#dir = undefined;
  }
}
