// The supervisor's monitor request over NATS (request/reply): validated, then handed to Monitors.
import { MonitorRequest, mediaRequestSubject } from "@cc/ingest";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import type { Logger } from "pino";
import { serveValidated } from "../service/requests.ts";
import type { Monitors } from "./monitor.ts";

export function serveMonitorRequests(o: {
  nc: NatsConnection;
  orgId: string;
  monitors: Monitors;
  log: Logger;
}): Subscription {
  return serveValidated(o.nc, mediaRequestSubject(o.orgId, "monitor"), MonitorRequest, (req, m) => {
    o.monitors.handle(req).then(
      (reply) => m.respond(JSON.stringify(reply)),
      (e: unknown) => {
        o.log.error({ err: e }, "monitor request failed");
        m.respond(JSON.stringify({ ok: false, error: "failed" }));
      },
    );
  });
}
