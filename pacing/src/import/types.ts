// The lead import's public shapes: what a caller (CLI, dashboard wizard, npm start's demo) passes
// in and gets back. Kept stable; the engine behind them may change.
import type { Readable } from "node:stream";
import { z } from "zod";

export type ImportFormat = "csv" | "xlsx";

/** A file path or a byte stream (an upload). */
export type ImportSource = string | Readable;

/** Lead fields an import column can map to; unmapped columns travel as `extra`. */
export const LEAD_FIELDS = [
  "phone",
  "phone2",
  "name",
  "company",
  "address",
  "region",
  "email",
  "title",
  "note",
] as const;
export const LeadField = z.enum(LEAD_FIELDS);
export type LeadField = z.infer<typeof LeadField>;

/** Field → the header of the column that feeds it (as it appears in the file). */
export const ColumnMapping = z.partialRecord(LeadField, z.string().min(1).max(200));
export type ColumnMapping = z.infer<typeof ColumnMapping>;

/**
 * Per-org field classes (必填项 / 重要项 / 一般项): a row missing a required field is rejected;
 * missing important fields are listed per row for one batch reminder; the rest are general.
 */
export const FieldRules = z.object({
  required: z.array(LeadField).default(["phone"]),
  important: z.array(LeadField).default(["name", "company"]),
});
export type FieldRules = z.infer<typeof FieldRules>;

export interface ImportProgress {
  rowsRead: number;
  imported: number;
  rejected: number;
  duplicates: number;
  dnc: number;
  bytesRead: number;
  /** Known for files, not for streams. */
  totalBytes?: number;
}

export type RejectCode =
  | "missing_required"
  | "phone_missing"
  | "phone_bad_characters"
  | "mobile_length"
  | "mobile_prefix"
  | "landline_no_area_code"
  | "phone_invalid"
  | "country_not_dialed";

export interface RejectedRow {
  /** Row number as a spreadsheet shows it (the header is row 1). */
  line: number;
  code: RejectCode;
  reason: string;
  /** The offending value as written in the file (phone) or the missing fields. */
  value?: string;
}

export type MergeMatch = "phone" | "name_company" | "name_address" | "existing_lead" | "existing_customer";

export interface MergedRow {
  line: number;
  /** Row it merged into; 0 when it matched a lead already in the campaign (earlier import). */
  into: number;
  match: MergeMatch;
  phone: string;
  /** String similarity of the fuzzy match (0–1), for name_company / name_address. */
  similarity?: number;
  /** existing_customer: the customer record the row merged into, and the rep holding it (if any). */
  customerId?: string;
  holder?: string;
}

/** A customer record already known for a phone number (the org's customers workspace). */
export interface KnownCustomer {
  customerId: string;
  /** The rep who holds the customer (私海); absent when it sits in the public pool. */
  holder?: string;
}

/**
 * The org's existing customers by phone, so an import merges rows into them instead of creating
 * leads that duplicate a customer (and poach one a rep holds). Implemented over @cc/customers by
 * the callers (CLI, dashboard); pacing itself stays independent of that workspace.
 */
export interface KnownCustomers {
  /** One entry per phone (E.164), in order: the customer owning that number, or null. */
  known(orgId: string, e164Phones: string[]): Promise<Array<KnownCustomer | null>>;
}

export interface DncHit {
  line: number;
  phone: string;
  list: "dnc" | "blacklist";
}

export interface PreviewResult {
  headers: string[];
  /** The first 20 data rows, as text, in header order. */
  sampleRows: string[][];
  suggestedMapping: ColumnMapping;
  detectedEncoding: string;
  format: ImportFormat;
}

export interface ImportCounts {
  rowsRead: number;
  imported: number;
  rejected: number;
  duplicates: number;
  dnc: number;
  /** Of the duplicates: rows merged into an existing customer record (match existing_customer). */
  existingCustomers: number;
  /** rowsRead − (imported + rejected + duplicates + dnc): always 0, or the import failed. */
  rowsLost: number;
}

export interface ImportReport {
  importId: string;
  orgId: string;
  campaignId: string;
  listId: string;
  format: ImportFormat;
  encoding: string;
  dryRun: boolean;
  mapping: ColumnMapping;
  fieldRules: FieldRules;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  bytesRead: number;
  counts: ImportCounts;
  rejected: RejectedRow[];
  merges: MergedRow[];
  dncHits: DncHit[];
  /** One reminder for the batch: how many rows miss each important field, and which rows. */
  missingImportant: {
    byField: Partial<Record<LeadField, number>>;
    rows: { line: number; fields: LeadField[] }[];
  };
  /** Rows kept (imported) by number kind. */
  phoneKinds: { mobile: number; landline: number; international: number };
  /** Set when the fuzzy index reached its bound: fuzzy matching stopped, phone dedupe went on. */
  fuzzyIndexFull?: boolean;
}
