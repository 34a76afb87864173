// Interactive requests from the agent console (NATS request/reply): hang up the call the agent
// holds, and the agent's phone status. The dashboard authenticates the person; this checks the
// agent really holds that call.
import { HangupRequest, mediaRequestSubject } from "@cc/ingest";
import type { Msg, NatsConnection, Subscription } from "@nats-io/transport-node";
import { z } from "zod";
import type { AgentSessions } from "../sip/agent-sessions.ts";
import type { SipCallControl } from "../sip/call-control.ts";
import type { AgentPool } from "./agent-pool.ts";

const StatusRequest = z.object({ agent_id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });

/** Subscribes a handler that gets the request validated, or answers bad_request itself. */
export function serveValidated<S extends z.ZodType>(
  nc: NatsConnection,
  subject: string,
  schema: S,
  fn: (req: z.infer<S>, m: Msg) => void,
): Subscription {
  return nc.subscribe(subject, {
    callback: (err, m) => {
      if (err) return;
      let body: unknown;
      try {
        body = m.json();
      } catch {
        body = undefined;
      }
      const r = schema.safeParse(body);
      if (r.success) fn(r.data, m);
      else
        m.respond(
          JSON.stringify({ ok: false, error: "bad_request", issues: r.error.issues.map((i) => i.message) }),
        );
    },
  });
}

export function serveRequests(o: {
  nc: NatsConnection;
  orgId: string;
  cc: SipCallControl;
  pool: AgentPool;
  sessions: AgentSessions;
}): Subscription[] {
  const reply = (data: unknown) => JSON.stringify(data);
  const serve = <S extends z.ZodType>(
    verb: "hangup" | "status",
    schema: S,
    fn: (req: z.infer<S>, m: Msg) => void,
  ) => serveValidated(o.nc, mediaRequestSubject(o.orgId, verb), schema, fn);
  const hangup = serve("hangup", HangupRequest, (req, m) => {
    const agent = o.pool.get(req.agent_id);
    const call = o.cc.get(req.attempt_id);
    if (!call || agent?.attempt !== req.attempt_id) {
      m.respond(reply({ ok: false, error: "not_your_call" }));
      return;
    }
    o.cc.hangup(req.attempt_id, "agent");
    m.respond(reply({ ok: true }));
  });
  const status = serve("status", StatusRequest, (req, m) => {
    const session = o.sessions.get(req.agent_id);
    const agent = o.pool.get(req.agent_id);
    m.respond(
      reply({
        ok: true,
        phone: session ? { device: session.device, since: session.connectedAt } : null,
        state: agent?.state ?? "logged_out",
        attempt: agent?.attempt ?? null,
      }),
    );
  });
  return [hangup, status];
}
