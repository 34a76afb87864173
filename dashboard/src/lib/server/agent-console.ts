import { customerCard, type LiveAgent, liveKeys, readLiveAgent } from "@cc/analytics";
import type { EventFields } from "@cc/ingest";
import { z } from "zod";
import type { SessionUser } from "./auth/types.ts";
import { clickhouse } from "./clickhouse.ts";
import { publishedEvents } from "./metrics.ts";
import { publish } from "./nats.ts";
import { redis } from "./redis.ts";

export const StateAction = z.discriminatedUnion("state", [
  z.object({ state: z.literal("ready") }),
  z.object({
    state: z.literal("paused"),
    pause_reason: z.enum(["break", "lunch", "meeting", "training", "coaching", "technical", "other"]),
  }),
]);

export const DispositionAction = z.object({
  attempt_id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  disposition: z.enum(["A", "B", "C", "D", "E", "F"]),
  notes: z.string().max(4000).default(""),
  /** From <input type="datetime-local"> (agent's local time) or empty. */
  next_contact: z.string().max(40).default(""),
  tz_offset_min: z.coerce.number().int().min(-900).max(900).default(0),
});

export class ConsoleError extends Error {
  readonly code: string;
  constructor(code: string, message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.name = "ConsoleError";
    this.code = code;
  }
}

async function send(fields: EventFields) {
  const e = await publish(fields);
  publishedEvents.inc({ kind: e.kind });
  return e;
}

export async function liveSelf(user: SessionUser): Promise<LiveAgent | null> {
  if (!user.agentId) return null;
  return await readLiveAgent(await redis(), user.org, user.agentId);
}

/**
 * The agent's phone on the media service's switch as live state knows it ("webrtc", "sip", or
 * "" when none): read from the agent's hash directly, so it is known before the first login too.
 */
export async function phoneDevice(user: SessionUser): Promise<string> {
  if (!user.agentId) return "";
  return (await (await redis()).hGet(liveKeys.agent(user.org, user.agentId), "device")) ?? "";
}

export const HangupAction = z.object({ attempt_id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });

/** Ready / pause: an agent.state_changed event (with agent.login first when not logged in). */
export async function changeState(user: SessionUser, action: z.infer<typeof StateAction>) {
  if (!user.agentId) throw new ConsoleError("NO_AGENT_ID", "account is not linked to an agent");
  const now = Date.now();
  let live = await liveSelf(user);
  if (!live) {
    await send({
      kind: "agent.login",
      org_id: user.org,
      agent_id: user.agentId,
      team_id: user.team || "default",
      skills: [],
    });
    live = null;
  }
  const previous = (live?.state ?? "paused") as
    | "ready"
    | "reserved"
    | "on_call"
    | "wrap_up"
    | "paused"
    | "logged_out";
  const previousS = live ? Math.max(0, (now - live.since) / 1000) : 0;
  // Leaving wrap-up ends the after-call work of that call: name it, so its wrap time counts
  // for the call's campaign (analytics migration 080).
  const wrapped = previous === "wrap_up" && live?.call ? live.call : null;
  const campaign = wrapped?.campaign || live?.campaign;
  return await send({
    kind: "agent.state_changed",
    org_id: user.org,
    agent_id: user.agentId,
    state: action.state,
    previous_state: previous,
    previous_state_s: Math.min(previousS, 86_400 * 7),
    ...(action.state === "paused" ? { pause_reason: action.pause_reason } : {}),
    ...(campaign ? { campaign_id: campaign } : {}),
    ...(wrapped ? { attempt_id: wrapped.attempt } : {}),
    ...(user.team ? { team_id: user.team } : {}),
  });
}

/** The agent's disposition of the call they handled last (only that call: enforced here). */
export async function dispose(user: SessionUser, input: z.infer<typeof DispositionAction>) {
  const live = await liveSelf(user);
  if (!live?.call || live.call.attempt !== input.attempt_id) {
    throw new ConsoleError("NOT_YOUR_CALL", "this call is not the agent's current call");
  }
  let nextContact: string | undefined;
  if (input.next_contact) {
    const local = Date.parse(`${input.next_contact}Z`);
    if (Number.isNaN(local)) throw new ConsoleError("BAD_DATE", "next contact is not a date");
    nextContact = new Date(local + input.tz_offset_min * 60_000).toISOString();
  }
  const event = await send({
    kind: "call.disposition",
    org_id: user.org,
    attempt_id: live.call.attempt,
    campaign_id: live.call.campaign,
    lead_id: live.call.lead,
    agent_id: user.agentId,
    disposition: input.disposition,
    notes: input.notes,
    ...(nextContact ? { next_contact_at: nextContact } : {}),
    set_by: "agent",
  });
  if (live.state === "wrap_up") await changeState(user, { state: "ready" });
  return event;
}

/** Screen pop for the agent's current (or last) call only. */
export async function currentCustomer(user: SessionUser) {
  const live = await liveSelf(user);
  if (live?.call) return await customerCard(clickhouse(), user.org, live.call.lead);
  // An inbound caller the media service recognised (existing customer) pops their card too.
  const pop = await inboundPop(user);
  return pop?.lead_id ? await customerCard(clickhouse(), user.org, pop.lead_id) : null;
}

/** The inbound caller the media service put through to this agent (media/src/inbound/desk.ts popKey). */
export const InboundPop = z.object({
  call_id: z.string(),
  caller: z.string(),
  lead_id: z.string().nullable(),
  queue: z.string(),
  at: z.number(),
});

export async function inboundPop(user: SessionUser): Promise<z.infer<typeof InboundPop> | null> {
  if (!user.agentId) return null;
  const raw = await (await redis()).get(`cc:inbound:pop:${user.org}:${user.agentId}`);
  const r = raw ? InboundPop.safeParse(JSON.parse(raw)) : null;
  return r?.success ? r.data : null;
}
