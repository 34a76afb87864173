// A customer's Redis hash ⇄ the public Customer shape. Classification fields are hash fields of
// their own (f:<key>) so a patch merges atomically; phones are comma-separated E.164 numbers.
import type { Contact, Customer, Grade } from "../records/types.ts";

const num = (v: string | undefined) => (v === undefined || v === "" ? undefined : Number(v));
const str = (v: string | undefined) => (v === undefined || v === "" ? undefined : v);

export function decodeCustomer(orgId: string, id: string, h: Record<string, string>): Customer | undefined {
  if (h.name === undefined) return undefined;
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (k.startsWith("f:")) fields[k.slice(2)] = v;
  let contacts: Contact[] = [];
  try {
    contacts = h.contacts ? (JSON.parse(h.contacts) as Contact[]) : [];
  } catch {
    contacts = [];
  }
  const c: Customer = {
    id,
    orgId,
    name: h.name,
    company: h.company ?? "",
    phones: h.phones ? h.phones.split(",") : [],
    contacts,
    fields,
    dealSigned: h.signed === "1",
    createdAt: num(h.created_at) ?? 0,
    createdBy: h.created_by ?? "",
    updatedAt: num(h.updated_at) ?? 0,
  };
  const opt: Partial<Customer> = {
    leadId: str(h.lead),
    ownerId: str(h.owner),
    secondOwnerId: str(h.second),
    groupId: str(h.group),
    heldUntil: num(h.held_until),
    grade: str(h.grade) as Grade | undefined,
    orderGrade: str(h.ograde) as Grade | undefined,
    nextContactOn: str(h.next_on),
    lastFollowUpAt: num(h.last_fu),
  };
  for (const [k, v] of Object.entries(opt))
    if (v !== undefined) (c as unknown as Record<string, unknown>)[k] = v;
  return c;
}

/** The hash pairs a new record starts with (ownership fields are the scripts' business). */
export function recordPairs(c: {
  name: string;
  company: string;
  phones: string[];
  contacts: Contact[];
  fields: Record<string, string>;
  leadId?: string;
  createdAt: number;
  createdBy: string;
}): string[] {
  const pairs = [
    "name",
    c.name,
    "company",
    c.company,
    "phones",
    c.phones.join(","),
    "contacts",
    JSON.stringify(c.contacts),
    "created_at",
    String(c.createdAt),
    "created_by",
    c.createdBy,
    "updated_at",
    String(c.createdAt),
  ];
  if (c.leadId) pairs.push("lead", c.leadId);
  for (const [k, v] of Object.entries(c.fields)) if (v !== "") pairs.push(`f:${k}`, v);
  return pairs;
}
