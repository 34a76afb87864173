// What `npm start`'s supervisor says about the stack's processes (infra/src/stack-status.ts writes
// the Redis hash `cc:stack:services`). Read for the wallboard's health strip and /health; absent
// when the dashboard runs without the supervisor (single-process dev, tests).
import { z } from "zod";
import type { Redis } from "./redis.ts";

export const STACK_SERVICES_KEY = "cc:stack:services";
/** The supervisor rewrites the hash every 5 s: older than this means it is no longer there. */
const STALE_MS = 20_000;

const ServiceStatus = z.object({
  name: z.string().max(64),
  state: z.enum(["starting", "running", "backoff", "stopping", "stopped"]),
  pid: z.number().int().nullable(),
  restarts: z.number().int().min(0),
  recent_crashes: z.number().int().min(0),
  crash_looping: z.boolean(),
  last_exit: z
    .object({
      code: z.number().int().nullable(),
      signal: z.string().max(16).nullable(),
      at: z.number(),
      error: z.string().max(500).optional(),
    })
    .nullable(),
  since: z.number(),
  next_start_at: z.number().nullable(),
});
export type StackService = z.infer<typeof ServiceStatus>;
const StackMeta = z.object({
  pid: z.number().int(),
  updated_at: z.number(),
  /** Service names in start order (a hash keeps no order). */
  order: z.array(z.string()).default([]),
});

export interface StackHealth {
  /** Every service running and none crash-looping, and the picture is fresh. */
  ok: boolean;
  stale: boolean;
  updatedAt: number;
  services: StackService[];
}

const parseJson = (raw: string | undefined) => {
  try {
    return raw === undefined ? undefined : (JSON.parse(raw) as unknown);
  } catch {
    return undefined;
  }
};

/** The stack's services as the supervisor last wrote them; null when no supervisor writes them. */
export async function readStackHealth(r: Redis, now = Date.now()): Promise<StackHealth | null> {
  const hash = await r.hGetAll(STACK_SERVICES_KEY);
  const meta = StackMeta.safeParse(parseJson(hash._stack));
  if (!meta.success) return null;
  const services: StackService[] = [];
  for (const [field, raw] of Object.entries(hash)) {
    if (field === "_stack") continue;
    const s = ServiceStatus.safeParse(parseJson(raw));
    if (s.success) services.push(s.data);
  }
  const rank = (name: string) => {
    const i = meta.data.order.indexOf(name);
    return i === -1 ? Number.MAX_SAFE_INTEGER : i;
  };
  services.sort((a, b) => rank(a.name) - rank(b.name));
  const stale = now - meta.data.updated_at > STALE_MS;
  return {
    ok: !stale && services.every((s) => s.state === "running" && !s.crash_looping),
    stale,
    updatedAt: meta.data.updated_at,
    services,
  };
}
