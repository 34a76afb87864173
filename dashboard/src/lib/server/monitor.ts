// Supervisors listening to, whispering to or barging into an agent's live call from the
// wallboard. The supervisor's phone is a session on the media service like an agent's, under the
// supervisor's own SIP identity; the request goes to the media service over NATS with the teams
// the supervisor may monitor (their scope), which the media service checks against the agent's
// team (directors and admins: every team).
import { MonitorRequest, mediaRequestSubject } from "@cc/ingest";
import { z } from "zod";
import type { Scope } from "./auth/scope.ts";
import type { SessionUser } from "./auth/types.ts";
import { log } from "./log.ts";
import { nats } from "./nats.ts";
import { phoneCredentials } from "./softphone.ts";

export const MonitorAction = z.object({
  agent: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  mode: z.enum(["listen", "whisper", "barge", "stop"]),
});
export type MonitorAction = z.infer<typeof MonitorAction>;

const MonitorReply = z.union([
  z.object({ ok: z.literal(true), attempt_id: z.string(), mode: z.string() }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);
export type MonitorReply = z.infer<typeof MonitorReply>;

/** The supervisor's SIP identity on the media service (an agent id shape: no dots). */
export function supervisorPhoneId(user: SessionUser): string {
  return user.agentId || `sup-${user.username.replaceAll(".", "_")}`.slice(0, 64);
}

/** Short-lived browser-softphone credentials under the supervisor's phone identity. */
export function supervisorPhoneCredentials(user: SessionUser) {
  return phoneCredentials({ ...user, agentId: supervisorPhoneId(user) });
}

/** Asks the media service; `unavailable` when it does not answer. */
export async function requestMonitor(
  user: SessionUser,
  scope: Scope,
  action: MonitorAction,
): Promise<MonitorReply> {
  const body = MonitorRequest.parse({
    supervisor_id: supervisorPhoneId(user),
    agent_id: action.agent,
    mode: action.mode,
    teams: scope.teamIds ?? null,
  });
  let reply: MonitorReply;
  try {
    const m = await (await nats()).request(mediaRequestSubject(user.org, "monitor"), JSON.stringify(body), {
      timeout: 5_000,
    });
    reply = MonitorReply.parse(m.json());
  } catch (err) {
    log.warn({ err: String(err), agent: action.agent }, "monitor request not answered");
    return { ok: false, error: "unavailable" };
  }
  log.info({ supervisor: user.username, agent: action.agent, mode: action.mode, reply }, "monitor request");
  return reply;
}
