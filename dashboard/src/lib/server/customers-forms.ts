import { z } from "zod";

/** Inputs of the customers pages: every form and query string passes one of these first. */
const Id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "letters, digits, '_' or '-' (1–64)");
const Grade = z.enum(["A", "B", "C", "D", "E"]);
const OptGrade = z.union([Grade, z.literal("")]).default("");
const OptId = z.union([Id, z.literal("")]).default("");

export const ListQuery = z.object({
  grade: OptGrade,
  owner: OptId,
  cursor: z.string().max(200).default(""),
});

export const ClaimForm = z.object({ id: Id });

export const SearchQuery = z.object({ q: z.string().trim().max(100).default("") });

export const FollowUpForm = z.object({
  note: z.string().trim().max(4000).default(""),
  grade: Grade,
  next: z.union([z.iso.date("a date like 2026-12-01"), z.literal("")]).default(""),
});

export const QuickForm = z.object({ disposition: z.string().regex(/^[a-z][a-z0-9_]{0,31}$/) });

/** The console's one-key record: the customer of the call (lead) or a customer id. */
export const QuickRecord = z
  .object({
    disposition: z.string().regex(/^[a-z][a-z0-9_]{0,31}$/),
    lead_id: z
      .string()
      .regex(/^[A-Za-z0-9_:.-]{1,128}$/)
      .optional(),
    customer_id: Id.optional(),
  })
  .refine((v) => v.lead_id || v.customer_id, "lead_id or customer_id is required");

export const ExtendForm = z.object({
  days: z.coerce.number().int().min(1, "at least 1 day").max(30, "at most 30 days"),
  reason: z.string().trim().max(500).default(""),
});

export const DecideForm = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,80}$/),
  approve: z.enum(["0", "1"]),
});

export const SecondForm = z.object({ second: OptId });

export const ReassignQuery = z.object({ from: OptId, grade: OptGrade });
export const ReassignForm = z.object({ from: Id, grade: OptGrade, to: Id });

export const NewCustomerForm = z.object({
  name: z.string().trim().min(1, "name is required").max(100),
  company: z.string().trim().max(200).default(""),
  phone: z.string().trim().max(20).default(""),
});

export const EditForm = z.object({
  name: z.string().trim().min(1, "name is required").max(100),
  company: z.string().trim().max(200).default(""),
});

/** `f.<key>` inputs of the new-customer form → the org's classification fields. */
export function fieldValues(form: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(form)) {
    if (k.startsWith("f.") && typeof v === "string" && /^f\.[a-z][a-z0-9_]{0,63}$/.test(k)) {
      out[k.slice(2)] = v.trim().slice(0, 500);
    }
  }
  return out;
}

/** One readable line from a zod error (4xx bodies and form messages). */
export function issuesText(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.map(String).join(".") || "input"}: ${i.message}`).join("; ");
}
