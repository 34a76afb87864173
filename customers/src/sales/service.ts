import { type ReportClient, runReport, type VisibilityScope } from "@cc/analytics";
import { z } from "zod";
import { scopeParams, sqlFile } from "./sql.ts";

const TICKETS_SQL = sqlFile(import.meta.url, "./tickets.sql");
const ORDERS_SQL = sqlFile(import.meta.url, "./orders.sql");
const Num = z.coerce.number();

export const TicketRow = z.object({
  ticket_id: z.string(),
  customer_id: z.string(),
  agent_id: z.string(),
  category: z.string(),
  opened_at: z.string(),
  status: z.enum(["open", "resolved", "closed"]),
  score: Num,
});
export type TicketRow = z.infer<typeof TicketRow>;

/** Tickets the viewer may see; `status` "resolved" = waiting for the satisfaction call. */
export async function listTickets(
  client: ReportClient,
  scope: VisibilityScope,
  status: "" | TicketRow["status"] = "",
) {
  return await runReport(
    client,
    { query: TICKETS_SQL, params: { ...scopeParams(scope), status } },
    TicketRow,
  );
}

export const OrderRow = z.object({
  order_id: z.string(),
  customer_id: z.string(),
  lead_id: z.string(),
  agent_id: z.string(),
  created_at: z.string(),
  total_minor: Num,
  modifications: Num,
  cancelled: z.coerce.boolean(),
  /** 1 held, 0 not held (not credited as performance), -1 not checked. */
  held_by_agent: Num,
});
export type OrderRow = z.infer<typeof OrderRow>;

/** Orders the viewer may see, as they stand after modifications and cancellations. */
export async function listOrders(client: ReportClient, scope: VisibilityScope) {
  return await runReport(client, { query: ORDERS_SQL, params: scopeParams(scope) }, OrderRow);
}
