import {
  cancelOrder,
  decideContract,
  FUNNEL_STAGES,
  installmentsDue,
  listContracts,
  listOrders,
  listTickets,
  PendingContract,
  pipelineFunnel,
  recordSatisfaction,
  resolveTicket,
  SalesRuleError,
  salesForecast,
} from "@cc/customers";
import type { CallCenterEvent } from "@cc/ingest";
import { fail } from "@sveltejs/kit";
import { z } from "zod";
import { requireArea } from "#lib/server/auth/guard.ts";
import { clickhouse } from "#lib/server/clickhouse.ts";
import { actorFor } from "#lib/server/customers-actor.ts";
import { log } from "#lib/server/log.ts";
import { redis } from "#lib/server/redis.ts";
import { localDay, publishBuilt, salesScope } from "#lib/server/sales.ts";
import type { Actions, PageServerLoad } from "./$types";
import { buildRecord, type RecordKind } from "./record.server.ts";

const APPROVERS = new Set(["manager", "director", "admin"]);

/** Pipeline: forecast per rep and team, the stage funnel, contracts to approve, payments due. */
export const load = (async ({ locals }) => {
  const user = requireArea(locals, "sales");
  const scope = await salesScope(user);
  const ch = clickhouse();
  const now = Date.now();
  const today = localDay(now);
  const in7 = localDay(now + 7 * 86_400_000);
  const [forecast, funnel, queue, due, orders, tickets] = await Promise.all([
    salesForecast(ch, scope, { asOf: new Date(now).toISOString() }),
    pipelineFunnel(ch, scope, {
      from: new Date(now - 90 * 86_400_000).toISOString(),
      to: new Date(now).toISOString(),
    }),
    listContracts(ch, scope, "submitted"),
    installmentsDue(ch, scope, { today, until: in7 }),
    listOrders(ch, scope),
    listTickets(ch, scope),
  ]);
  return {
    teams: forecast.teams,
    funnel: funnel.groups[0] ?? null,
    queue: queue.rows,
    due: due.rows,
    orders: orders.rows.slice(0, 50),
    tickets: tickets.rows.filter((t) => t.status !== "closed").slice(0, 50),
    canApprove: APPROVERS.has(user.role),
    stages: FUNNEL_STAGES,
    sql: { forecast: forecast.sql },
  };
}) satisfies PageServerLoad;

const Decision = z.object({
  contract_id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  decision: z.enum(["approve", "reject"]),
  reason: z.string().max(2000).default(""),
});

const Id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
const CancelForm = z.object({ order_id: Id, reason: z.string().trim().min(1).max(500) });
const TicketForm = z.object({
  ticket_id: Id,
  step: z.enum(["resolve", "satisfaction"]),
  score: z.coerce.number().int().min(1).max(5).optional(),
  note: z.string().max(2000).default(""),
});

/** Runs a follow-up step and publishes its event, answering rule refusals as 409. */
async function followUp(build: () => Promise<CallCenterEvent>, what: string, user: string) {
  try {
    const e = await build();
    await publishBuilt(e);
    log.info({ user, kind: e.kind, event: e.id }, what);
    return { recorded: e.kind, kind: "" };
  } catch (err) {
    if (err instanceof SalesRuleError) return fail(409, { error: `${err.code}: ${err.message}`, kind: "" });
    if (err instanceof z.ZodError)
      return fail(400, { error: err.issues[0]?.message ?? "bad request", kind: "" });
    throw err;
  }
}

const Kind = z.enum(["stage", "order", "contract", "ticket", "plan"]);

export const actions = {
  /** Cancels an order the viewer may see (re-read on the server). */
  cancel: async ({ request, locals }) => {
    const user = requireArea(locals, "sales");
    const p = CancelForm.safeParse(Object.fromEntries(await request.formData()));
    if (!p.success) return fail(400, { error: p.error.issues[0]?.message ?? "bad request", kind: "" });
    const order = (await listOrders(clickhouse(), await salesScope(user))).rows.find(
      (o) => o.order_id === p.data.order_id,
    );
    if (!order || order.cancelled)
      return fail(404, { error: "order not found or already cancelled", kind: "" });
    const actor = await actorFor(await redis(), user);
    return await followUp(
      async () =>
        cancelOrder(actor, {
          order_id: order.order_id,
          lead_id: order.lead_id,
          customer_id: order.customer_id,
          reason: p.data.reason,
        }),
      "order cancelled",
      user.username,
    );
  },
  /** Resolves a ticket, or records the satisfaction call once it is resolved. */
  ticket: async ({ request, locals }) => {
    const user = requireArea(locals, "sales");
    const p = TicketForm.safeParse(Object.fromEntries(await request.formData()));
    if (!p.success) return fail(400, { error: p.error.issues[0]?.message ?? "bad request", kind: "" });
    const t = (await listTickets(clickhouse(), await salesScope(user))).rows.find(
      (x) => x.ticket_id === p.data.ticket_id,
    );
    if (!t) return fail(404, { error: "ticket not found", kind: "" });
    const actor = await actorFor(await redis(), user);
    const ref = { ticket_id: t.ticket_id, customer_id: t.customer_id };
    return await followUp(
      async () =>
        p.data.step === "resolve"
          ? resolveTicket(actor, { ...ref, resolution: p.data.note })
          : recordSatisfaction(
              actor,
              { ...ref, resolved: t.status === "resolved" },
              {
                score: p.data.score ?? 0,
                comment: p.data.note,
              },
            ),
      "ticket follow-up",
      user.username,
    );
  },
  /** Records a pipeline fact (stage, order by phone, contract, ticket, payment plan) as an event. */
  record: async ({ request, locals }) => {
    const user = requireArea(locals, "sales");
    const form = Object.fromEntries(await request.formData()) as Record<string, string>;
    const kind = Kind.safeParse(form.kind);
    if (!kind.success) return fail(400, { error: "unknown record kind", kind: "" });
    try {
      const e = await buildRecord(await actorFor(await redis(), user), kind.data as RecordKind, form);
      await publishBuilt(e);
      log.info({ user: user.username, kind: e.kind, event: e.id }, "sales fact recorded");
      return { recorded: e.kind, kind: kind.data };
    } catch (err) {
      if (err instanceof SalesRuleError)
        return fail(409, { error: `${err.code}: ${err.message}`, kind: kind.data });
      if (err instanceof z.ZodError) {
        const i = err.issues[0];
        return fail(400, {
          error: `${i?.path.join(".") ?? ""}: ${i?.message ?? "invalid"}`,
          kind: kind.data,
        });
      }
      throw err;
    }
  },
  /** The approval step: re-reads the contract (status, team) on the server before deciding. */
  decide: async ({ request, locals }) => {
    const user = requireArea(locals, "sales");
    const p = Decision.safeParse(Object.fromEntries(await request.formData()));
    if (!p.success) return fail(400, { error: p.error.issues[0]?.message ?? "bad request", kind: "" });
    const scope = await salesScope(user);
    const rows = (await listContracts(clickhouse(), scope)).rows;
    const row = rows.find((r) => r.contract_id === p.data.contract_id);
    if (!row) return fail(404, { error: "contract not found", kind: "" });
    try {
      const actor = await actorFor(await redis(), user);
      const e = decideContract(
        actor,
        PendingContract.parse(row),
        p.data.decision === "approve"
          ? { decision: "approve" }
          : { decision: "reject", reason: p.data.reason },
      );
      await publishBuilt(e);
      log.info(
        { user: user.username, contract: row.contract_id, decision: p.data.decision },
        "contract decided",
      );
      return { decided: row.contract_id };
    } catch (err) {
      if (err instanceof SalesRuleError) return fail(409, { error: `${err.code}: ${err.message}`, kind: "" });
      if (err instanceof z.ZodError)
        return fail(400, { error: err.issues[0]?.message ?? "bad request", kind: "" });
      throw err;
    }
  },
} satisfies Actions;
