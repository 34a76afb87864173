// The supervisor's monitor request over NATS (request/reply): validated, then handed to Monitors.
import { MonitorRequest, mediaRequestSubject } from "@cc/ingest";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import type { Logger } from "pino";
import type { Monitors } from "./monitor.ts";

export function serveMonitorRequests(o: {
  nc: NatsConnection;
  orgId: string;
  monitors: Monitors;
  log: Logger;
}): Subscription {
  return o.nc.subscribe(mediaRequestSubject(o.orgId, "monitor"), {
    callback: (err, m) => {
      if (err) return;
      let body: unknown;
      try {
        body = m.json();
      } catch {
        body = undefined;
      }
      const r = MonitorRequest.safeParse(body);
      if (!r.success) {
        m.respond(
          JSON.stringify({ ok: false, error: "bad_request", issues: r.error.issues.map((i) => i.message) }),
        );
        return;
      }
      o.monitors.handle(r.data).then(
        (reply) => m.respond(JSON.stringify(reply)),
        (e: unknown) => {
          o.log.error({ err: e }, "monitor request failed");
          m.respond(JSON.stringify({ ok: false, error: "failed" }));
        },
      );
    },
  });
}
