import { canManage, customerHistory, repOf } from "@cc/customers";
import { error, fail } from "@sveltejs/kit";
import { z } from "zod";
import type { MessageKey } from "#lib/i18n.ts";
import { clickhouse } from "#lib/server/clickhouse.ts";
import { customersContext, refusalText, repsOn } from "#lib/server/customers-actor.ts";
import {
  EditForm,
  ExtendForm,
  FollowUpForm,
  fieldValues,
  issuesText,
  QuickForm,
  SecondForm,
} from "#lib/server/customers-forms.ts";
import { chTime, type HistoryLine, historyDetail } from "#lib/server/customers-view.ts";
import { log } from "#lib/server/log.ts";
import type { Actions, PageServerLoad } from "./$types";

const Id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

function customerId(raw: string): string {
  const p = Id.safeParse(raw);
  if (!p.success) error(400, "bad customer id");
  return p.data;
}

type Ctx = Awaited<ReturnType<typeof customersContext>>;

/**
 * The card's history: the log in ClickHouse (the customer's own events and its lead's calls,
 * dispositions and orders), plus the store's latest follow-ups that have not reached it yet.
 */
async function cardHistory({ actor, store, names, t }: Ctx, id: string): Promise<HistoryLine[]> {
  const label = (kind: string) => t(`cust.kind.${kind}` as MessageKey);
  const lines: HistoryLine[] = [];
  const logged = new Set<string>();
  const fromLog = await customerHistory(clickhouse(), store, actor, id, 300).catch((err) => {
    log.warn({ err, customer: id }, "customer history unavailable");
    return null;
  });
  for (const r of fromLog?.ok ? fromLog.rows : []) {
    const fu =
      r.kind === "customer.follow_up_recorded" ? /"follow_up_id":"([^"]+)"/.exec(r.payload)?.[1] : undefined;
    if (fu) logged.add(fu);
    lines.push({
      at: chTime(r.occurred_at),
      kind: r.kind,
      kindLabel: label(r.kind),
      who: r.actor || r.agent_id,
      detail: historyDetail(r.payload, names),
    });
  }
  const fus = await store.listFollowUps(actor, id, 100);
  for (const f of fus.ok ? fus.followUps : []) {
    if (logged.has(f.id)) continue;
    lines.push({
      at: f.at,
      kind: "customer.follow_up_recorded",
      kindLabel: label("customer.follow_up_recorded"),
      who: f.agentId,
      detail: [f.note, f.disposition, f.grade, f.nextContactOn].filter(Boolean).join(" · "),
    });
  }
  return lines.sort((a, b) => b.at - a.at);
}

/** The customer card: record, owner and second owner, follow-ups and calls, and what the viewer may do. */
export const load = (async ({ locals, params }) => {
  const ctx = await customersContext(locals);
  const { user, actor, store, names, redis, t } = ctx;
  const id = customerId(params.id);
  const got = await store.getCustomer(actor, id);
  if (!got.ok) error(got.reason === "not_found" ? 404 : 403, refusalText(t, got, names));
  const c = got.customer;
  const settings = await store.settings(user.org);
  const history = await cardHistory(ctx, id);
  const me = repOf(actor);
  const manages = canManage(actor, c);
  const isOwner = c.ownerId !== undefined && c.ownerId === me;
  return {
    customer: c,
    names,
    now: store.now(),
    history,
    fields: settings.fields,
    dispositions: settings.dispositions,
    reps: c.groupId && (isOwner || manages) ? await repsOn(redis, user.org, [c.groupId]) : [],
    canClaim: !c.ownerId && user.agentId !== "",
    canRelease: !!c.ownerId && (isOwner || manages),
    canFollowUp: isOwner || c.secondOwnerId === me || manages,
    canExtend: isOwner && !c.dealSigned && c.heldUntil !== undefined,
    canSetSecond: !!c.ownerId && (isOwner || manages),
    canEdit: isOwner || c.secondOwnerId === me || manages,
  };
}) satisfies PageServerLoad;

async function act(
  locals: App.Locals,
  params: { id: string },
  run: (
    ctx: Ctx,
    id: string,
  ) => Promise<
    { ok: true; message: string } | { ok: false; status: number; message: string; reason: string }
  >,
) {
  const ctx = await customersContext(locals);
  const id = customerId(params.id);
  const r = await run(ctx, id);
  if (!r.ok) {
    log.info({ user: ctx.user.username, customer: id, reason: r.reason }, "customer action refused");
    return fail(r.status, { ok: false, message: r.message, reason: r.reason });
  }
  return { ok: true, message: r.message, reason: "" };
}

const bad = (message: string) => ({ ok: false as const, status: 400, message, reason: "invalid" });
const STATUS: Record<string, number> = { not_found: 404, forbidden: 403, invalid: 400 };
/** A store refusal as the action's answer: its HTTP status and the refusal in the viewer's words. */
const refused = (c: Pick<Ctx, "t" | "names">, r: Parameters<typeof refusalText>[1]) => ({
  ok: false as const,
  status: STATUS[r.reason] ?? 409,
  message: refusalText(c.t, r, c.names),
  reason: r.reason,
});

export const actions = {
  claim: ({ locals, params }) =>
    act(locals, params, async ({ actor, store, names, t }, id) => {
      const r = await store.claim(actor, id);
      if (!r.ok) return refused({ t, names }, r);
      return {
        ok: true,
        message: t("cust.claimed", { name: id, until: new Date(r.heldUntil).toISOString() }),
      };
    }),
  release: ({ locals, params }) =>
    act(locals, params, async ({ actor, store, names, t }, id) => {
      const r = await store.release(actor, id);
      if (!r.ok) return refused({ t, names }, r);
      return { ok: true, message: t("cust.released") };
    }),
  followup: ({ locals, params, request }) =>
    act(locals, params, async ({ actor, store, names, t }, id) => {
      const p = FollowUpForm.safeParse(Object.fromEntries(await request.formData()));
      if (!p.success) return bad(issuesText(p.error));
      const r = await store.recordFollowUp(actor, id, {
        note: p.data.note,
        grade: p.data.grade,
        ...(p.data.next ? { nextContactOn: p.data.next } : {}),
      });
      if (!r.ok) return refused({ t, names }, r);
      return { ok: true, message: t("cust.followup.saved", { when: r.followUp.nextContactOn }) };
    }),
  quick: ({ locals, params, request }) =>
    act(locals, params, async ({ actor, store, names, t }, id) => {
      const p = QuickForm.safeParse(Object.fromEntries(await request.formData()));
      if (!p.success) return bad(issuesText(p.error));
      const r = await store.quickFollowUp(actor, id, p.data.disposition, locals.lang === "en" ? "en" : "zh");
      if (!r.ok) return refused({ t, names }, r);
      return { ok: true, message: t("cust.followup.saved", { when: r.followUp.nextContactOn }) };
    }),
  extend: ({ locals, params, request }) =>
    act(locals, params, async ({ actor, store, names, t }, id) => {
      const p = ExtendForm.safeParse(Object.fromEntries(await request.formData()));
      if (!p.success) return bad(issuesText(p.error));
      const r = await store.requestExtension(actor, id, p.data.days, p.data.reason);
      if (!r.ok) return refused({ t, names }, r);
      return { ok: true, message: t("cust.ext.submitted") };
    }),
  /** Edit details: a required field cannot be emptied; every empty important field is reminded at once. */
  update: ({ locals, params, request }) =>
    act(locals, params, async ({ actor, store, names, t, user }, id) => {
      const form = Object.fromEntries(await request.formData());
      const p = EditForm.safeParse(form);
      if (!p.success) return bad(issuesText(p.error));
      const r = await store.updateCustomer(actor, id, { ...p.data, fields: fieldValues(form) });
      const settings = await store.settings(user.org);
      const label = (key: string) => {
        const f = settings.fields.find((d) => d.key === key);
        return f ? (locals.lang === "en" ? f.label.en : f.label.zh) : key;
      };
      if (!r.ok) {
        const shown = r.reason === "required_missing" ? { ...r, fields: r.fields.map(label) } : r;
        return refused({ t, names }, shown);
      }
      const missing = r.missingImportant.map(label);
      return {
        ok: true,
        message: missing.length
          ? `${t("cust.card.saved")} · ${t("cust.new.missing_important", { fields: missing.join(", ") })}`
          : t("cust.card.saved"),
      };
    }),
  second: ({ locals, params, request }) =>
    act(locals, params, async ({ actor, store, names, t, redis, user }, id) => {
      const p = SecondForm.safeParse(Object.fromEntries(await request.formData()));
      if (!p.success) return bad(issuesText(p.error));
      let second: { repId: string; teamId: string } | null = null;
      if (p.data.second) {
        const rep = (await repsOn(redis, user.org)).find((r) => r.id === p.data.second);
        if (!rep) return bad(`unknown rep ${p.data.second}`);
        second = { repId: rep.id, teamId: rep.team };
      }
      const r = await store.setSecondOwner(actor, id, second);
      if (!r.ok) return refused({ t, names }, r);
      return {
        ok: true,
        message: `${t("cust.second_owner")}: ${second ? (names[second.repId] ?? second.repId) : t("cust.second.none")}`,
      };
    }),
} satisfies Actions;
