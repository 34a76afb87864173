// Reading an import file as batches of rows, streaming: CSV through papaparse (after iconv-lite
// decodes UTF-8, UTF-8 with BOM, UTF-16 or GB18030 — Chinese vendors' Excel saves CSV as GBK),
// XLSX through exceljs's streaming WorkbookReader (first worksheet). Nothing holds the whole file.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Readable } from "node:stream";
import ExcelJS from "exceljs";
import iconv from "iconv-lite";
import Papa from "papaparse";
import type { ImportFormat, ImportSource } from "./types.ts";

export interface RawRow {
  /** Row number as a spreadsheet shows it (header = 1). */
  line: number;
  cells: string[];
}

export interface RowReader {
  format: ImportFormat;
  encoding: string;
  totalBytes?: number;
  bytesRead(): number;
  /** The header row first, then data rows, in batches. */
  batches: AsyncGenerator<RawRow[]>;
  /** Stops reading early (preview). */
  close(): void;
}

const PEEK_BYTES = 256 * 1024;
const BATCH_ROWS = 2_000;

/** Opens a path or a byte stream; format and encoding are detected unless given. */
export async function openRows(
  source: ImportSource,
  o: { format?: ImportFormat; encoding?: string } = {},
): Promise<RowReader> {
  const path = typeof source === "string" ? source : undefined;
  const input = path ? createReadStream(path, { highWaterMark: 256 * 1024 }) : source;
  const totalBytes = path ? (await stat(path)).size : undefined;
  const it = (input as Readable)[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  let bytes = 0;
  const next = async (): Promise<Buffer | null> => {
    const r = await it.next();
    if (r.done) return null;
    const b = typeof r.value === "string" ? Buffer.from(r.value) : r.value;
    bytes += b.length;
    return b;
  };
  const headParts: Buffer[] = [];
  let headLen = 0;
  let ended = false;
  while (headLen < PEEK_BYTES) {
    const b = await next();
    if (!b) {
      ended = true;
      break;
    }
    headParts.push(b);
    headLen += b.length;
  }
  const head = Buffer.concat(headParts);
  async function* allBytes(): AsyncGenerator<Buffer> {
    if (head.length) yield head;
    if (ended) return;
    for (let b = await next(); b; b = await next()) yield b;
  }
  const format = o.format ?? detectFormat(path, head);
  const close = () => (input as Readable).destroy();
  if (format === "xlsx") {
    return {
      format,
      encoding: "xlsx",
      bytesRead: () => bytes,
      batches: xlsxRows(allBytes()),
      close,
      ...(totalBytes !== undefined ? { totalBytes } : {}),
    };
  }
  const encoding = o.encoding ?? detectEncoding(head);
  return {
    format,
    encoding,
    bytesRead: () => bytes,
    batches: csvRows(allBytes(), encoding),
    close,
    ...(totalBytes !== undefined ? { totalBytes } : {}),
  };
}

export function detectFormat(path: string | undefined, head: Buffer): ImportFormat {
  if (path && /\.xlsx$/i.test(path)) return "xlsx";
  if (path && /\.(csv|txt|tsv)$/i.test(path)) return "csv";
  // XLSX is a zip: PK\x03\x04.
  return head.length >= 4 && head.readUInt32BE(0) === 0x504b0304 ? "xlsx" : "csv";
}

/** UTF-8 (with or without BOM) when the bytes are valid UTF-8, UTF-16 by its BOM, else GB18030 (⊃ GBK). */
export function detectEncoding(head: Buffer): string {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return "utf-8-bom";
  if (head[0] === 0xff && head[1] === 0xfe) return "utf-16le";
  if (head[0] === 0xfe && head[1] === 0xff) return "utf-16be";
  try {
    // stream: true leaves a multi-byte character cut at the end of the sample alone.
    new TextDecoder("utf-8", { fatal: true }).decode(head, { stream: true });
    return "utf-8";
  } catch {
    return "gb18030";
  }
}

async function* decoded(bytes: AsyncGenerator<Buffer>, encoding: string): AsyncGenerator<string> {
  const decoder = iconv.getDecoder(encoding === "utf-8-bom" ? "utf-8" : encoding, { stripBOM: true });
  for await (const b of bytes) {
    const s = decoder.write(b);
    if (s) yield s;
  }
  const tail = decoder.end();
  if (tail) yield tail;
}

/**
 * papaparse over the decoded text with its `chunk` callback: a whole chunk's rows at once, and
 * pause/resume for backpressure (its Duplex mode pauses every 16 rows and copies the rest of the
 * chunk each time: quadratic in chunk size).
 */
async function* csvRows(bytes: AsyncGenerator<Buffer>, encoding: string): AsyncGenerator<RawRow[]> {
  const text = Readable.from(decoded(bytes, encoding), { objectMode: false });
  const queue: string[][][] = [];
  let paused: Papa.Parser | null = null;
  let wake: (() => void) | null = null;
  let done = false;
  let failure: Error | null = null;
  const signal = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  Papa.parse<string[]>(text, {
    header: false,
    skipEmptyLines: false,
    chunk: (results, parser) => {
      queue.push(results.data);
      if (queue.length >= 4) {
        paused = parser;
        parser.pause();
      }
      signal();
    },
    complete: () => {
      done = true;
      signal();
    },
    error: (err: Error) => {
      failure = err;
      signal();
    },
  });
  let line = 0;
  for (;;) {
    const rows = queue.shift();
    if (rows) {
      yield rows.map((cells) => ({ line: ++line, cells }));
      continue;
    }
    if (failure) throw failure;
    if (done) return;
    const waiting = new Promise<void>((r) => {
      wake = r;
    });
    if (paused) {
      const p: Papa.Parser = paused;
      paused = null;
      p.resume();
    }
    await waiting;
  }
}

async function* xlsxRows(bytes: AsyncGenerator<Buffer>): AsyncGenerator<RawRow[]> {
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from(bytes), {
    worksheets: "emit",
    sharedStrings: "cache",
    hyperlinks: "ignore",
    styles: "ignore",
    entries: "ignore",
  });
  let batch: RawRow[] = [];
  for await (const sheet of reader) {
    for await (const row of sheet) {
      const values = row.values as unknown[];
      const cells: string[] = [];
      for (let i = 1; i < values.length; i++) cells.push(cellText(values[i]));
      batch.push({ line: row.number, cells });
      if (batch.length >= BATCH_ROWS) {
        yield batch;
        batch = [];
      }
    }
    break; // the first worksheet is the list
  }
  if (batch.length) yield batch;
}

/** An exceljs cell value as the text a person sees. */
function cellText(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number") return Number.isInteger(v) ? v.toFixed(0) : String(v);
  if (typeof v === "boolean") return v ? "TRUE" : "FALSE";
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === "object") {
    const o = v as { richText?: { text: string }[]; text?: unknown; result?: unknown; error?: string };
    if (o.richText) return o.richText.map((r) => r.text).join("");
    if (o.text !== undefined) return cellText(o.text);
    if (o.result !== undefined) return cellText(o.result);
    if (o.error) return "";
  }
  return String(v);
}
