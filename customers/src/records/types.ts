// The public shapes of the customers workspace: who asks (Actor), what a customer looks like,
// the org's settings, and the typed refusals every rule answers with.
import { z } from "zod";

export type Grade = "A" | "B" | "C" | "D" | "E";
export const GRADES: readonly Grade[] = ["A", "B", "C", "D", "E"];

/** The dashboard's roles (dashboard/src/lib/server/auth/scope.ts). */
export type Role = "agent" | "supervisor" | "manager" | "director" | "analyst" | "admin";

/**
 * Who is asking. `teamIds` are the teams (groups) the person may see or manage: an agent's own
 * team, a supervisor's teams, every team of a manager's department. A rep's holds are keyed by
 * `agentId` when the user is linked to an agent (orders carry agent ids), else by `userId`.
 */
export interface Actor {
  userId: string;
  role: Role;
  teamIds: string[];
  orgId: string;
  agentId?: string;
}

/** The rep id holds are keyed by. */
export function repOf(actor: Actor): string {
  return actor.agentId ?? actor.userId;
}

/** 必填项 (save refused when empty), 重要项 (all empty ones reminded together), 一般项. */
export type FieldClass = "required" | "important" | "general";

export const FieldDef = z.object({
  key: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/),
  label: z.object({ zh: z.string().min(1).max(64), en: z.string().min(1).max(64) }),
  class: z.enum(["required", "important", "general"]),
  type: z.enum(["text", "number", "date", "select", "phone"]).default("text"),
  options: z.array(z.string().max(64)).max(100).optional(),
});
export type FieldDef = z.infer<typeof FieldDef>;

/** Order-based second grading: first rule whose minimums hold wins (amounts in minor units). */
export const OrderGradeRule = z.object({
  grade: z.enum(["A", "B", "C", "D", "E"]),
  minOrders: z.number().int().nonnegative(),
  minAmountMinor: z.number().int().nonnegative(),
});
export type OrderGradeRule = z.infer<typeof OrderGradeRule>;

/** One-key quick disposition: writes a default note and sets the next contact N days out. */
export const QuickDisposition = z.object({
  key: z.string().regex(/^[a-z][a-z0-9_]{0,31}$/),
  hotkey: z.string().max(8).optional(),
  label: z.object({ zh: z.string().min(1).max(64), en: z.string().min(1).max(64) }),
  note: z.object({ zh: z.string().max(500), en: z.string().max(500) }),
  nextContactDays: z.number().int().min(0).max(3650),
  grade: z.enum(["A", "B", "C", "D", "E"]).optional(),
});
export type QuickDisposition = z.infer<typeof QuickDisposition>;

export const OrgSettings = z.object({
  /** IANA zone the 10:00 release, reminders and due dates are computed in. */
  timeZone: z.string().min(1).default("Asia/Shanghai"),
  /** Protection quota: customers one rep may hold (per-rep overrides live beside it). */
  quota: z.number().int().min(0).max(10_000).default(15),
  holdDays: z.number().int().min(1).max(365).default(15),
  releaseHour: z.number().int().min(0).max(23).default(10),
  /** Extensions up to this many days a manager approves; longer ones need a director. */
  managerExtensionMaxDays: z.number().int().min(0).max(90).default(5),
  fields: z.array(FieldDef).max(200).default([]),
  orderGradeRules: z.array(OrderGradeRule).max(10).default([]),
  dispositions: z.array(QuickDisposition).max(50).default([]),
});
export type OrgSettings = z.infer<typeof OrgSettings>;
export type OrgSettingsInput = z.input<typeof OrgSettings>;

export interface Contact {
  name: string;
  phone?: string;
  title?: string;
}

export interface Customer {
  id: string;
  orgId: string;
  leadId?: string;
  name: string;
  company: string;
  phones: string[];
  contacts: Contact[];
  fields: Record<string, string>;
  /** The rep holding the customer (private pool); absent = public pool. */
  ownerId?: string;
  secondOwnerId?: string;
  /** The one group (team) following the customer; absent in the public pool. */
  groupId?: string;
  /** Epoch ms the hold ends (10:00 org time on the expiry day); absent when not held or signed. */
  heldUntil?: number;
  /** A signed deal: the hold does not expire and does not count against the quota. */
  dealSigned: boolean;
  grade?: Grade;
  orderGrade?: Grade;
  /** Next contact day (org zone) from the last follow-up's cadence. */
  nextContactOn?: string;
  lastFollowUpAt?: number;
  createdAt: number;
  createdBy: string;
  updatedAt: number;
}

export interface CustomerInput {
  name: string;
  company?: string;
  phones?: string[];
  contacts?: Contact[];
  fields?: Record<string, string>;
  leadId?: string;
  source?: string;
  /** Take the new customer into the creating rep's hold (default true for agents). */
  hold?: boolean;
  /** The new customer's group when held (default: the actor's first team). */
  groupId?: string;
}

export interface CustomerPatch {
  name?: string;
  company?: string;
  phones?: string[];
  contacts?: Contact[];
  fields?: Record<string, string>;
}

/** Every rule refuses with a reason the UI can show (zh-CN/en) and the details it needs. */
export type Refusal =
  | { reason: "not_found" }
  | { reason: "forbidden" }
  | { reason: "invalid"; issues: { path: string; message: string }[] }
  | { reason: "required_missing"; fields: string[] }
  | { reason: "duplicate"; customerId: string; match: "phone" | "name_company"; heldBy?: string }
  | { reason: "held_by_other"; heldBy: string; heldUntil?: number; groupId?: string }
  | { reason: "already_held" }
  | { reason: "not_held" }
  | { reason: "quota_full"; quota: number; held: number }
  | { reason: "extension_used_this_month"; month: string }
  | { reason: "extension_pending"; requestId: string }
  | { reason: "needs_director"; days: number }
  | { reason: "already_decided" }
  | { reason: "deal_signed" }
  | { reason: "other_group"; groupId: string }
  | { reason: "unknown_disposition"; key: string };

export type Result<T> = ({ ok: true } & T) | ({ ok: false } & Refusal);

export interface ExtensionRequest {
  id: string;
  orgId: string;
  customerId: string;
  agentId: string;
  groupId: string;
  days: number;
  reason: string;
  month: string;
  needs: "manager" | "director";
  status: "pending" | "approved" | "rejected";
  requestedAt: number;
  decidedBy?: string;
  decidedAt?: number;
  note?: string;
}

export interface FollowUpInput {
  note?: string;
  channel?: "call" | "visit" | "wechat" | "sms" | "email" | "other";
  /** The regrade after this follow-up (the current grade is kept when absent). */
  grade?: Grade;
  /** Override of the cadence's next contact day (org zone, YYYY-MM-DD). */
  nextContactOn?: string;
  disposition?: string;
  attemptId?: string;
}

export interface FollowUp {
  id: string;
  customerId: string;
  agentId: string;
  at: number;
  channel: string;
  disposition?: string;
  note: string;
  grade: Grade;
  nextContactOn: string;
}

export interface DueItem {
  customerId: string;
  name: string;
  company: string;
  ownerId?: string;
  groupId?: string;
  grade?: Grade;
  nextContactOn: string;
}

export interface DueList {
  /** The org's today (YYYY-MM-DD) the lists were computed for. */
  today: string;
  dueToday: DueItem[];
  overdue: DueItem[];
}

export interface Reminder {
  kind: "hold_expiring" | "follow_up_due";
  customerId: string;
  name: string;
  /** hold_expiring: the release instant; follow_up_due: start of the due day. */
  at: number;
}

export interface ListFilter {
  /** mine: held or second-owned by me; pool: public pool; visible: everything I may see. */
  view: "mine" | "pool" | "visible";
  ownerId?: string;
  groupId?: string;
  grade?: Grade;
  cursor?: string;
  limit?: number;
}

export interface Page<T> {
  items: T[];
  /** Pass back for the next page; absent at the end. */
  cursor?: string;
}

export interface SearchHit {
  customerId: string;
  name: string;
  company: string;
  /** 0..1: share of the query's bigrams found (1 for an exact phone). */
  score: number;
  match: "phone" | "text";
  ownerId?: string;
  groupId?: string;
  /** Whether the asker may open the record (else only who holds it is shown). */
  visible: boolean;
}

export interface ReassignRequest {
  /** Which customers: those held by this rep (the one leaving), optionally narrowed. */
  fromRepId: string;
  grade?: Grade;
  groupId?: string;
  /** Or an explicit list (still only customers the manager may see). */
  customerIds?: string[];
  toRepId: string;
  toGroupId: string;
}

export interface ReassignReport {
  batchId: string;
  moved: string[];
  refused: { customerId: string; refusal: Refusal }[];
}

export interface ReleaseReport {
  released: number;
  reminded: number;
  /** Holds whose release instant came after `now` (none may be released early). */
  nextDueAt?: number;
}

export interface OrderAttribution {
  orderId: string;
  customerId: string;
  agentId: string;
  holderId?: string;
  credited: boolean;
}
