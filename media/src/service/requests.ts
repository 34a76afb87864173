// Interactive requests from the agent console (NATS request/reply): hang up the call the agent
// holds, and the agent's phone status. The dashboard authenticates the person; this checks the
// agent really holds that call.
import { HangupRequest, mediaRequestSubject } from "@cc/ingest";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { z } from "zod";
import type { AgentSessions } from "../sip/agent-sessions.ts";
import type { SipCallControl } from "../sip/call-control.ts";
import type { AgentPool } from "./agent-pool.ts";

const StatusRequest = z.object({ agent_id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });

export function serveRequests(o: {
  nc: NatsConnection;
  orgId: string;
  cc: SipCallControl;
  pool: AgentPool;
  sessions: AgentSessions;
}): Subscription[] {
  const reply = (data: unknown) => JSON.stringify(data);
  const hangup = o.nc.subscribe(mediaRequestSubject(o.orgId, "hangup"), {
    callback: (err, m) => {
      if (err) return;
      let body: unknown;
      try {
        body = m.json();
      } catch {
        body = undefined;
      }
      const r = HangupRequest.safeParse(body);
      if (!r.success) {
        m.respond(reply({ ok: false, error: "bad_request", issues: r.error.issues.map((i) => i.message) }));
        return;
      }
      const agent = o.pool.get(r.data.agent_id);
      const call = o.cc.get(r.data.attempt_id);
      if (!call || agent?.attempt !== r.data.attempt_id) {
        m.respond(reply({ ok: false, error: "not_your_call" }));
        return;
      }
      o.cc.hangup(r.data.attempt_id, "agent");
      m.respond(reply({ ok: true }));
    },
  });
  const status = o.nc.subscribe(mediaRequestSubject(o.orgId, "status"), {
    callback: (err, m) => {
      if (err) return;
      let body: unknown;
      try {
        body = m.json();
      } catch {
        body = undefined;
      }
      const r = StatusRequest.safeParse(body);
      if (!r.success) {
        m.respond(reply({ ok: false, error: "bad_request" }));
        return;
      }
      const session = o.sessions.get(r.data.agent_id);
      const agent = o.pool.get(r.data.agent_id);
      m.respond(
        reply({
          ok: true,
          phone: session ? { device: session.device, since: session.connectedAt } : null,
          state: agent?.state ?? "logged_out",
          attempt: agent?.attempt ?? null,
        }),
      );
    },
  });
  return [hangup, status];
}
