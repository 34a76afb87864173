import { createHash } from "node:crypto";
import { parsePhoneNumberFromString } from "libphonenumber-js/max";
import { z } from "zod";
import {
  type CallCenterEvent,
  Consent,
  EntityId,
  EventId,
  type FieldIssue,
  LeadSource,
  NonNegInt,
  parseEvent,
  SCHEMA_VERSION,
  UtcMillis,
} from "../contracts/index.ts";

/** A web-form lead as a landing page or CRM form posts it. */
export const LeadForm = z.object({
  org_id: EntityId.optional(),
  /** Client-generated UUIDv7; a retry with the same id is a duplicate. */
  event_id: EventId.optional(),
  lead_id: EntityId.optional(),
  phone: z.string().min(3).max(40),
  name: z.string().max(200).optional(),
  company: z.string().max(200).optional(),
  region: z.string().max(64).optional(),
  source: LeadSource.default("web_form"),
  channel: z.string().max(64).optional(),
  ad_id: EntityId.optional(),
  ad_campaign_id: EntityId.optional(),
  campaign_id: EntityId.optional(),
  list_id: EntityId.optional(),
  consent: z.object({
    given: z.boolean(),
    method: Consent.shape.method.default("web_form"),
    at: UtcMillis.optional(),
  }),
  touched_at: UtcMillis.optional(),
});
export type LeadForm = z.infer<typeof LeadForm>;

/** An ad platform's report: spend, impressions and clicks per ad and time slot. */
export const AdReport = z.object({
  org_id: EntityId.optional(),
  channel: z.string().min(1).max(64),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, "must be an ISO 4217 code such as CNY")
    .default("CNY"),
  rows: z
    .array(
      z.object({
        ad_campaign_id: EntityId,
        ad_id: EntityId,
        slot_start: UtcMillis,
        slot_end: UtcMillis,
        /** Spend in minor units (fen). */
        spend_minor: NonNegInt,
        impressions: NonNegInt,
        clicks: NonNegInt,
      }),
    )
    .min(1, "at least one row"),
});
export type AdReport = z.infer<typeof AdReport>;

export function zodIssues(err: z.ZodError, prefix = ""): FieldIssue[] {
  return err.issues.map((i) => ({
    path: [prefix, ...i.path.map(String)].filter((p) => p !== "").join(".") || "(root)",
    message: i.message,
  }));
}

/** To E.164 with libphonenumber; numbers without a country code are read in `region`. */
export function normalisePhone(
  raw: string,
  region: string,
): { ok: true; e164: string } | { ok: false; message: string } {
  const p = parsePhoneNumberFromString(raw, region as Parameters<typeof parsePhoneNumberFromString>[1]);
  if (!p) return { ok: false, message: `'${raw}' is not a phone number` };
  if (!p.isValid()) {
    return {
      ok: false,
      message: `'${raw}' is not a valid number for region ${p.country ?? region} (a mainland mobile has 11 digits, e.g. 13800138000)`,
    };
  }
  return { ok: true, e164: p.number };
}

/**
 * A UUIDv7 that is a pure function of (time, key): the same report row always gets the same
 * event id, so re-sending a report is a duplicate at every layer.
 */
export function deterministicV7(ms: number, key: string): string {
  const h = createHash("sha256").update(key).digest();
  const b = Buffer.alloc(16);
  b.writeUIntBE(Math.max(0, Math.floor(ms)), 0, 6);
  b[6] = 0x70 | ((h[0] as number) & 0x0f);
  b[7] = h[1] as number;
  b[8] = 0x80 | ((h[2] as number) & 0x3f);
  h.copy(b, 9, 3, 10);
  const x = b.toString("hex");
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

export type Built = { ok: true; events: CallCenterEvent[] } | { ok: false; issues: FieldIssue[] };

export function leadEvent(
  form: LeadForm,
  org: string,
  phoneE164: string,
  eventId: string,
  occurredAt: string,
): Built {
  const { org_id: _o, event_id: _e, phone: _p, ...rest } = form;
  const r = parseEvent({
    ...rest,
    id: eventId,
    kind: "lead.created",
    org_id: org,
    occurred_at: occurredAt,
    schema_version: SCHEMA_VERSION,
    lead_id: form.lead_id ?? `L${eventId.replaceAll("-", "")}`,
    phone: phoneE164,
  });
  return r.ok ? { ok: true, events: [r.event] } : { ok: false, issues: r.issues };
}

export function adReportEvents(report: AdReport, org: string): Built {
  const events: CallCenterEvent[] = [];
  const issues: FieldIssue[] = [];
  report.rows.forEach((row, i) => {
    const identity = JSON.stringify([org, report.channel, report.currency, row]);
    const r = parseEvent({
      id: deterministicV7(Date.parse(row.slot_start), identity),
      kind: "ad.spend_reported",
      org_id: org,
      // The fact is complete at the end of the slot; deterministic so a re-sent report is identical.
      occurred_at: row.slot_end,
      schema_version: SCHEMA_VERSION,
      channel: report.channel,
      ad_campaign_id: row.ad_campaign_id,
      ad_id: row.ad_id,
      slot_start: row.slot_start,
      slot_end: row.slot_end,
      spend: { amount_minor: row.spend_minor, currency: report.currency },
      impressions: row.impressions,
      clicks: row.clicks,
    });
    if (r.ok) events.push(r.event);
    else for (const is of r.issues) issues.push({ path: `rows.${i}.${is.path}`, message: is.message });
  });
  return issues.length > 0 ? { ok: false, issues } : { ok: true, events };
}
