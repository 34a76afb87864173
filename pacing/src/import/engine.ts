// The import run: rows stream in batches through clean → required/important fields → dedupe in
// the file (phone exact, name + company/address fuzzy) → scrub (DNC, blacklist) and dedupe
// against the campaign's earlier imports (Redis, one round trip per batch) → `lead.created` on
// JetStream with a bounded window of outstanding acks. Every row read ends in exactly one count
// (imported, rejected, duplicate, dnc); the report names each row that was not imported.
import { createHash, hash, randomBytes } from "node:crypto";
import {
  AsyncPublisher,
  batchMessageId,
  type CallCenterEvent,
  encodeEventBatch,
  MAX_BATCH_BYTES,
  makeEvent,
  publishEvent,
  SCHEMA_VERSION,
  subjectFor,
  utcNow,
} from "@cc/ingest";
import type { JetStreamClient } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { createClient } from "redis";
import { type CleanPhone, cleanPhone, cleanText } from "./clean.ts";
import { ContactIndex, detached, PhoneSet } from "./dedupe.ts";
import { type ResolvedMapping, resolveMapping, suggestMapping } from "./mapping.ts";
import { importKeys, loadFieldRules } from "./rules.ts";
import { openRows, type RawRow } from "./source.ts";
import type {
  ColumnMapping,
  FieldRules,
  ImportFormat,
  ImportProgress,
  ImportReport,
  ImportSource,
  KnownCustomers,
  LeadField,
} from "./types.ts";

type Redis = ReturnType<typeof createClient>;

export interface ConsentBasis {
  given: boolean;
  method: "web_form" | "recorded_call" | "written" | "sms" | "none";
}

export interface RunImportOptions {
  source: ImportSource;
  format?: ImportFormat;
  /** CSV text encoding; detected when absent (utf-8, utf-8-bom, utf-16le/be, gb18030). */
  encoding?: string;
  /** Field → header; suggested from the headers when absent. */
  mapping?: ColumnMapping;
  orgId: string;
  campaignId: string;
  /** The list this import builds (default: the import id). */
  listId?: string;
  /** Needed unless dryRun. */
  js?: JetStreamClient;
  /** DNC, blacklist, earlier imports and the org's field rules; without it none are checked. */
  redis?: Redis;
  /** Default: the org's stored rules (Redis), else phone required, name and company important. */
  fieldRules?: FieldRules;
  importId?: string;
  /** Reads, cleans, dedupes and scrubs; publishes and records nothing. */
  dryRun?: boolean;
  /** The consent basis the list comes with (vendor lists: usually none). */
  consent?: ConsentBasis;
  /** Fuzzy name + company / address matching (default on). */
  fuzzy?: boolean;
  /** Contacts the fuzzy index holds at most (memory bound). */
  fuzzyIndexMax?: number;
  /** Country calling codes the campaign dials (e.g. ["86"]); other numbers are rejected. Default: all. */
  callingCodes?: string[];
  /** lead.created publishes awaiting their ack at once. */
  publishWindow?: number;
  /** The org's existing customers: a row with one's phone merges into it (no new lead). */
  knownCustomers?: KnownCustomers;
}

export class ImportError extends Error {
  override name = "ImportError";
}

/** lead_id of an imported number: the same org + campaign + number is the same lead, every time. */
export function importedLeadId(orgId: string, campaignId: string, e164: string): string {
  return `imp-${leadHash(orgId, campaignId, e164).slice(0, 32)}`;
}

/** SHA-256 of the lead as hex: a string, not a Buffer (one external allocation less per row). */
const leadHash = (orgId: string, campaignId: string, e164: string) =>
  hash("sha256", `${orgId}|${campaignId}|${e164}`, "hex");

/** The time part and salt of an import batch's event ids, as hex (once per batch). */
export interface EventIdBasis {
  msHex: string;
  saltHex: string;
}

export function eventIdBasis(ms: number, salt: Buffer): EventIdBasis {
  return { msHex: ms.toString(16).padStart(12, "0").slice(-12), saltHex: salt.toString("hex") };
}

/**
 * UUIDv7 of an imported lead's event: the batch's time, and random bits taken from the lead's hash
 * (bytes 16–25) XOR the import's salt (bytes 6–15) — one hash per row for both ids; the same import
 * and lead give the same id. XOR of bytes is XOR of their hex digits, so it is done on the digits.
 */
export function eventIdFor(basis: EventIdBasis, leadHex: string): string {
  const out = ID_SCRATCH;
  let o = 0;
  for (let j = 0; j < 32; j++) {
    if (j === 8 || j === 12 || j === 16 || j === 20) out[o++] = 0x2d; // "-"
    let nibble: number;
    if (j < 12) nibble = HEX_VALUE[basis.msHex.charCodeAt(j)]!;
    else {
      nibble = HEX_VALUE[leadHex.charCodeAt(j + 20)]! ^ HEX_VALUE[basis.saltHex.charCodeAt(j)]!;
      if (j === 12)
        nibble = 7; // version
      else if (j === 16) nibble = 8 | (nibble & 3); // variant
    }
    out[o++] = HEX_DIGITS[nibble]!;
  }
  return out.toString("latin1", 0, 36);
}

const HEX_DIGITS = Buffer.from("0123456789abcdef");
const HEX_VALUE = new Int8Array(128).fill(0);
for (let i = 0; i < 16; i++) HEX_VALUE[HEX_DIGITS[i]!] = i;
const ID_SCRATCH = Buffer.alloc(36);

export interface Candidate {
  line: number;
  e164: string;
  kind: CleanPhone extends infer C ? (C extends { ok: true; kind: infer K } ? K : never) : never;
  fields: Partial<Record<LeadField, string>>;
  extra: Record<string, string>;
}

/** Everything one run keeps: counts, the report's lists, the dedupe state. */
class Run {
  readonly report: ImportReport;
  readonly phones = new PhoneSet();
  readonly contacts: ContactIndex;
  readonly fuzzy: boolean;
  readonly publisher: LeadPublisher | undefined;
  readonly callingCodes: string[] | undefined;

  constructor(report: ImportReport, o: RunImportOptions) {
    this.report = report;
    this.publisher = o.js && !o.dryRun ? new LeadPublisher(o.js, o.publishWindow ?? 4_096) : undefined;
    this.fuzzy = o.fuzzy ?? true;
    this.callingCodes = o.callingCodes?.length ? o.callingCodes : undefined;
    this.contacts = new ContactIndex(o.fuzzyIndexMax);
  }

  get counts() {
    return this.report.counts;
  }
}

export async function runImport(
  o: RunImportOptions,
  onProgress: (p: ImportProgress) => void = () => {},
): Promise<ImportReport> {
  if (!o.dryRun && !o.js) throw new ImportError("runImport needs a JetStream client (js) unless dryRun");
  const started = Date.now();
  const importId = o.importId ?? `imp-${started.toString(36)}-${randomBytes(4).toString("hex")}`;
  const fieldRules = o.fieldRules ?? (o.redis ? await loadFieldRules(o.redis, o.orgId) : undefined);
  const reader = await openRows(o.source, {
    ...(o.format ? { format: o.format } : {}),
    ...(o.encoding ? { encoding: o.encoding } : {}),
  });
  let mapped: ResolvedMapping | undefined;
  const run = new Run(
    {
      importId,
      orgId: o.orgId,
      campaignId: o.campaignId,
      listId: o.listId ?? importId,
      format: reader.format,
      encoding: reader.encoding,
      dryRun: o.dryRun === true,
      mapping: o.mapping ?? {},
      fieldRules: fieldRules ?? { required: ["phone"], important: ["name", "company"] },
      startedAt: utcNow(started),
      finishedAt: "",
      durationMs: 0,
      bytesRead: 0,
      counts: {
        rowsRead: 0,
        imported: 0,
        rejected: 0,
        duplicates: 0,
        dnc: 0,
        existingCustomers: 0,
        rowsLost: 0,
      },
      rejected: [],
      merges: [],
      dncHits: [],
      missingImportant: { byField: {}, rows: [] },
      phoneKinds: { mobile: 0, landline: 0, international: 0 },
    },
    o,
  );
  const progress = (): ImportProgress => ({
    rowsRead: run.counts.rowsRead,
    imported: run.counts.imported,
    rejected: run.counts.rejected,
    duplicates: run.counts.duplicates,
    dnc: run.counts.dnc,
    bytesRead: reader.bytesRead(),
    ...(reader.totalBytes !== undefined ? { totalBytes: reader.totalBytes } : {}),
  });
  // Publishing overlaps reading: at most two batches are out at once (bounded acks, flat memory).
  const inFlight: Promise<void>[] = [];
  try {
    for await (const batch of reader.batches) {
      let rows: RawRow[] = batch;
      if (!mapped) {
        mapped = mapHeader(batch[0]!.cells, run, o);
        rows = batch.slice(1);
      }
      const fresh = await scrub(classify(rows, mapped, run), run, o);
      if (o.dryRun) {
        run.counts.imported += fresh.length;
        for (const c of fresh) run.report.phoneKinds[c.kind]++;
      } else {
        const p = publishBatch(fresh, run, o);
        p.catch(() => {}); // awaited below; a failure must not surface as unhandled meanwhile
        inFlight.push(p);
        if (inFlight.length >= 2) await inFlight.shift();
      }
      onProgress(progress());
    }
    await Promise.all(inFlight);
  } finally {
    run.publisher?.close();
    reader.close();
  }
  const c = run.counts;
  c.rowsLost = c.rowsRead - (c.imported + c.rejected + c.duplicates + c.dnc);
  if (run.contacts.full) run.report.fuzzyIndexFull = true;
  const finished = Date.now();
  run.report.finishedAt = utcNow(finished);
  run.report.durationMs = finished - started;
  run.report.bytesRead = reader.bytesRead();
  onProgress(progress());
  if (!o.dryRun) await recordCompletion(run.report, o);
  return run.report;
}

function mapHeader(headers: string[], run: Run, o: RunImportOptions): ResolvedMapping {
  const mapping = o.mapping && Object.keys(o.mapping).length ? o.mapping : suggestMapping(headers);
  run.report.mapping = mapping;
  const resolved = resolveMapping(headers, mapping);
  if (resolved.unknown.length)
    throw new ImportError(`the file has no column named ${resolved.unknown.map((h) => `"${h}"`).join(", ")}`);
  if (resolved.index.phone === undefined && resolved.index.phone2 === undefined)
    throw new ImportError(
      `no phone column: map one (headers: ${headers.map((h) => `"${h}"`).join(", ")}), e.g. --mapping phone=手机`,
    );
  return resolved;
}

/** Per row: fields, required/important checks, phone cleaning, in-file dedupe. Synchronous. */
function classify(rows: RawRow[], m: ResolvedMapping, run: Run): Candidate[] {
  const out: Candidate[] = [];
  const { report, counts } = run;
  const mapped = Object.entries(m.index) as [LeadField, number][];
  for (const row of rows) {
    if (row.cells.every((c) => c.trim() === "")) continue; // blank line: not a row
    counts.rowsRead++;
    const fields: Partial<Record<LeadField, string>> = {};
    for (const [f, i] of mapped) {
      const v = cleanText(row.cells[i] ?? "");
      if (v) fields[f] = v.slice(0, 200);
    }
    const missing = report.fieldRules.required.filter((f) => f !== "phone" && !fields[f]);
    if (missing.length) {
      counts.rejected++;
      report.rejected.push({
        line: row.line,
        code: "missing_required",
        reason: `required field empty: ${missing.join(", ")}`,
        value: missing.join(","),
      });
      continue;
    }
    const raw = fields.phone ?? fields.phone2 ?? "";
    let phone = cleanPhone(raw);
    if (!phone.ok && fields.phone && fields.phone2) phone = cleanPhone(fields.phone2);
    if (
      phone.ok &&
      run.callingCodes &&
      !run.callingCodes.some((cc) => phone.ok && phone.e164.startsWith(`+${cc}`))
    )
      phone = { ok: false, code: "country_not_dialed", reason: "this campaign does not dial that country" };
    if (!phone.ok) {
      counts.rejected++;
      report.rejected.push({ line: row.line, code: phone.code, reason: phone.reason, value: detached(raw) });
      continue;
    }
    const first = run.phones.firstOrAdd(phone.e164, row.line);
    if (first) {
      counts.duplicates++;
      report.merges.push({ line: row.line, into: first, match: "phone", phone: phone.e164 });
      continue;
    }
    if (run.fuzzy && fields.name) {
      const f = run.contacts.matchOrAdd(fields.name, fields.company ?? "", fields.address ?? "", row.line);
      if (f) {
        counts.duplicates++;
        report.merges.push({
          line: row.line,
          into: f.line,
          match: f.match,
          phone: phone.e164,
          similarity: f.similarity,
        });
        continue;
      }
    }
    const lacking = report.fieldRules.important.filter((f) => !fields[f]);
    if (lacking.length) {
      report.missingImportant.rows.push({ line: row.line, fields: lacking });
      for (const f of lacking)
        report.missingImportant.byField[f] = (report.missingImportant.byField[f] ?? 0) + 1;
    }
    const extra: Record<string, string> = {};
    for (const x of m.extra) {
      const v = cleanText(row.cells[x.index] ?? "");
      if (v) extra[x.header.slice(0, 64)] = v.slice(0, 500);
    }
    out.push({ line: row.line, e164: phone.e164, kind: phone.kind, fields, extra });
  }
  return out;
}

/**
 * DNC, blacklist, earlier imports of the campaign (one Redis round trip per batch) and the org's
 * existing customers (one lookup per batch).
 */
async function scrub(candidates: Candidate[], run: Run, o: RunImportOptions): Promise<Candidate[]> {
  if ((!o.redis && !o.knownCustomers) || candidates.length === 0) return candidates;
  const phones = candidates.map((c) => c.e164);
  const none = phones.map(() => 0);
  const [dnc, black, known, customers] = await Promise.all([
    o.redis ? o.redis.smIsMember(`cc:dnc:${o.orgId}`, phones) : none,
    o.redis ? o.redis.smIsMember(importKeys.blacklist(o.orgId), phones) : none,
    o.redis ? o.redis.smIsMember(importKeys.phones(o.orgId, o.campaignId), phones) : none,
    o.knownCustomers ? o.knownCustomers.known(o.orgId, phones) : [],
  ]);
  const fresh: Candidate[] = [];
  candidates.forEach((c, i) => {
    const customer = customers[i];
    if (dnc[i] || black[i]) {
      run.counts.dnc++;
      run.report.dncHits.push({ line: c.line, phone: c.e164, list: dnc[i] ? "dnc" : "blacklist" });
    } else if (customer) {
      // Already a customer (maybe a rep's): merged into the record, not dialed as a new lead.
      run.counts.duplicates++;
      run.counts.existingCustomers++;
      run.report.merges.push({
        line: c.line,
        into: 0,
        match: "existing_customer",
        phone: c.e164,
        customerId: customer.customerId,
        ...(customer.holder ? { holder: customer.holder } : {}),
      });
    } else if (known[i]) {
      run.counts.duplicates++;
      run.report.merges.push({ line: c.line, into: 0, match: "existing_lead", phone: c.e164 });
    } else fresh.push(c);
  });
  return fresh;
}

/** lead.created for each new lead, acks awaited in a window; then the numbers are recorded as imported. */
async function publishBatch(fresh: Candidate[], run: Run, o: RunImportOptions): Promise<void> {
  if (fresh.length === 0) return;
  const now = Date.now();
  const salt = createHash("sha256").update(run.report.importId).digest();
  const at = { iso: utcNow(now), ids: eventIdBasis(now, salt) };
  // Events are built as they go out (and rebuilt, identical, for a retry): none outlives its send.
  const subject = subjectFor(leadEvent(fresh[0]!, run.report, o, at)); // one org, campaign, kind
  await run.publisher!.publishAll(fresh, subject, leadJsonBuilder(run.report, o, at));
  if (o.redis)
    await o.redis.sAdd(
      importKeys.phones(o.orgId, o.campaignId),
      fresh.map((c) => c.e164),
    );
  run.counts.imported += fresh.length;
  for (const c of fresh) run.report.phoneKinds[c.kind]++;
}

export function leadEvent(
  c: Candidate,
  report: ImportReport,
  o: Pick<RunImportOptions, "orgId" | "campaignId" | "consent">,
  at: { iso: string; ids: EventIdBasis },
): CallCenterEvent {
  const h = leadHash(o.orgId, o.campaignId, c.e164);
  const leadId = `imp-${h.slice(0, 32)}`;
  const f = c.fields;
  // Built without a per-row zod pass (and without spreads: this runs once per row): every field
  // is bounded above and the shape is the contract's (the import's unit test validates one).
  const e: Record<string, unknown> = {
    id: eventIdFor(at.ids, h),
    kind: "lead.created",
    occurred_at: at.iso,
    org_id: o.orgId,
    schema_version: SCHEMA_VERSION,
    lead_id: leadId,
    source: "import",
    campaign_id: o.campaignId,
    list_id: report.listId,
    import_id: report.importId,
    import_line: c.line,
    phone: c.e164,
    consent: o.consent ?? NO_CONSENT,
  };
  if (f.name) e.name = f.name;
  if (f.company) e.company = f.company;
  if (f.region) e.region = f.region.slice(0, 64);
  if (f.address) e.address = f.address;
  if (f.email) e.email = f.email;
  if (f.title) e.title = f.title;
  if (f.note) e.note = f.note;
  for (const _ in c.extra) {
    e.extra = c.extra;
    break;
  }
  return e as CallCenterEvent;
}

/** One lead.created as sent: its event id and its JSON. */
export interface BuiltLead {
  id: string;
  json: string;
}

/**
 * lead.created JSON written directly: what leadEvent() gives through JSON.stringify (a property
 * test holds them equal), without an object per row and with the batch's constant part
 * serialised once. User text goes through JSON.stringify, so quoting is JSON's own.
 */
export function leadJsonBuilder(
  report: ImportReport,
  o: Pick<RunImportOptions, "orgId" | "campaignId" | "consent">,
  at: { iso: string; ids: EventIdBasis },
): (c: Candidate) => BuiltLead {
  const q = JSON.stringify;
  const head = `,"kind":"lead.created","occurred_at":${q(at.iso)},"org_id":${q(o.orgId)},"schema_version":${SCHEMA_VERSION},"lead_id":"imp-`;
  const mid = `","source":"import","campaign_id":${q(o.campaignId)},"list_id":${q(report.listId)},"import_id":${q(report.importId)},"import_line":`;
  const consent = `,"consent":${q(o.consent ?? NO_CONSENT)}`;
  return (c) => {
    const h = leadHash(o.orgId, o.campaignId, c.e164);
    const id = eventIdFor(at.ids, h);
    const f = c.fields;
    let j = `{"id":"${id}"${head}${h.slice(0, 32)}${mid}${c.line},"phone":${q(c.e164)}${consent}`;
    if (f.name) j += `,"name":${q(f.name)}`;
    if (f.company) j += `,"company":${q(f.company)}`;
    if (f.region) j += `,"region":${q(f.region.slice(0, 64))}`;
    if (f.address) j += `,"address":${q(f.address)}`;
    if (f.email) j += `,"email":${q(f.email)}`;
    if (f.title) j += `,"title":${q(f.title)}`;
    if (f.note) j += `,"note":${q(f.note)}`;
    for (const _ in c.extra) {
      j += `,"extra":${q(c.extra)}`;
      break;
    }
    return { id, json: `${j}}` };
  };
}

const NO_CONSENT: ConsentBasis = { given: false, method: "none" };
/** lead.created payload bytes awaiting acks at once (flat memory whatever the file's size). */
const OUTSTANDING_BYTES = 4 * 1_048_576;
/**
 * Leads per JetStream message (~70 KB): a message costs the importer and nats-server far more
 * than an event does (frame, header, ack, stored record), while every lead keeps its event id.
 */
const LEADS_PER_MESSAGE = 128;

/**
 * lead.created publishing: batch messages (encodeEventBatch, one subject per import) sent with
 * acks collected on one inbox (AsyncPublisher), at most `window` messages and OUTSTANDING_BYTES
 * outstanding; a failed message is retried with the same leads, ids and message id, so a copy
 * that did land is dropped by the stream, and any single lead stored twice by ClickHouse's dedup.
 */
class LeadPublisher {
  readonly #pub: AsyncPublisher;

  constructor(js: JetStreamClient, window: number) {
    const nc = (js as { nc?: NatsConnection }).nc;
    if (!nc) throw new ImportError("the JetStream client has no NATS connection");
    this.#pub = new AsyncPublisher(nc, { maxOutstanding: window, maxOutstandingBytes: OUTSTANDING_BYTES });
  }

  async publishAll(rows: Candidate[], subject: string, build: (c: Candidate) => BuiltLead): Promise<void> {
    let pending: Candidate[][] = [];
    for (let i = 0; i < rows.length; i += LEADS_PER_MESSAGE)
      pending.push(rows.slice(i, i + LEADS_PER_MESSAGE));
    for (let attempt = 0; pending.length > 0; attempt++) {
      const { failed, error } = await this.#sendAll(pending, subject, build);
      if (failed.length && attempt >= 3)
        throw new ImportError(`lead.created not stored by JetStream: ${error?.message}`);
      if (failed.length) await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
      pending = failed;
    }
  }

  /** One pass over the messages with a callback per ack; events are built as they go out. */
  async #sendAll(
    messages: Candidate[][],
    subject: string,
    build: (c: Candidate) => BuiltLead,
  ): Promise<{ failed: Candidate[][]; error?: Error }> {
    const failed: Candidate[][] = [];
    let error: Error | undefined;
    let left = 0;
    let allAcked: (() => void) | undefined;
    const send = async (leads: Candidate[], json: string[], ids: string[]) => {
      const data = encodeEventBatch(json);
      if (!this.#pub.hasRoom(data.length)) await this.#pub.room(data.length);
      left++;
      const done = (err: Error | undefined) => {
        if (err) {
          failed.push(leads); // retried as this very group: same events, same message id
          error ??= err;
        }
        if (--left === 0) allAcked?.();
      };
      this.#pub.send(subject, data, batchMessageId(ids), done, leads.length);
    };
    for (const leads of messages) {
      let [from, chars] = [0, 0];
      const json: string[] = [];
      const ids: string[] = [];
      for (const [i, c] of leads.entries()) {
        const e = build(c);
        // Rows with many long extra columns: cut before the message could pass MAX_BATCH_BYTES
        // (3 UTF-8 bytes per UTF-16 unit at most).
        if (json.length > 0 && (chars + e.json.length) * 3 > MAX_BATCH_BYTES) {
          await send(leads.slice(from, i), json.splice(0), ids.splice(0));
          [from, chars] = [i, 0];
        }
        json.push(e.json);
        ids.push(e.id);
        chars += e.json.length + 1;
      }
      await send(from === 0 ? leads : leads.slice(from), json, ids);
    }
    if (left > 0) await new Promise<void>((r) => (allAcked = r));
    return error ? { failed, error } : { failed };
  }

  close(): void {
    this.#pub.close();
  }
}

/** lead.import_completed (the summary lands in ClickHouse) and the report for the wizard. */
async function recordCompletion(report: ImportReport, o: RunImportOptions): Promise<void> {
  const c = report.counts;
  const event = makeEvent({
    kind: "lead.import_completed",
    org_id: o.orgId,
    import_id: report.importId,
    campaign_id: o.campaignId,
    list_id: report.listId,
    format: report.format,
    encoding: report.encoding,
    rows_read: c.rowsRead,
    imported: c.imported,
    rejected: c.rejected,
    duplicates: c.duplicates,
    dnc: c.dnc,
    rows_lost: c.rowsLost,
    missing_important: report.missingImportant.rows.length,
    duration_ms: report.durationMs,
    reject_reasons: countBy(report.rejected.map((r) => r.code)),
    merge_matches: countBy(report.merges.map((m) => m.match)),
  });
  await publishEvent(o.js!, event);
  if (o.redis)
    await o.redis.set(importKeys.report(o.orgId, report.importId), JSON.stringify(report), {
      EX: 7 * 86_400,
    });
}

function countBy(xs: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}
