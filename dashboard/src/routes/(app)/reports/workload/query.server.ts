import { WorkloadGrain } from "@cc/analytics";
import { z } from "zod";
import { RangeQuery } from "../common.ts";

const Id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
const optionalId = Id.optional().or(z.literal("").transform(() => undefined));

/** Workload filters from the URL (shared by the page and the CSV export). */
export const WorkloadQuery = RangeQuery.extend({
  grain: WorkloadGrain.default("agent_day"),
  agent: optionalId,
  team: optionalId,
});
export type WorkloadQuery = z.infer<typeof WorkloadQuery>;
