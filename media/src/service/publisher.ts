// Events out of the media service: built and validated by the contracts, published to JetStream
// without waiting for each ack (NATS keeps one connection's messages in order), retried with the
// same event id on failure so JetStream's duplicate window drops a repeat.
import { type CallCenterEvent, type EventFields, makeEvent, publishEvent } from "@cc/ingest";
import type { JetStreamClient } from "@nats-io/jetstream";
import type { Logger } from "pino";

export interface EventPublisher {
  (fields: EventFields, at?: number): void;
  /** Publishes still waiting for their ack (shutdown waits for zero). */
  readonly pending: number;
  drain(timeoutMs?: number): Promise<void>;
}

export function eventPublisher(
  js: JetStreamClient,
  log: Logger,
  onPublished?: (e: CallCenterEvent) => void,
  onFailed?: (e: CallCenterEvent, err: unknown) => void,
): EventPublisher {
  let pending = 0;
  const send = async (e: CallCenterEvent) => {
    pending++;
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          await publishEvent(js, e);
          onPublished?.(e);
          return;
        } catch (err) {
          if (attempt >= 8) {
            onFailed?.(e, err);
            log.error({ err, kind: e.kind, id: e.id }, "event could not be published");
            return;
          }
          await new Promise((r) => setTimeout(r, Math.min(5_000, 100 * 2 ** attempt)));
        }
      }
    } finally {
      pending--;
    }
  };
  const publish = ((fields: EventFields, at?: number) => {
    let e: CallCenterEvent;
    try {
      e = makeEvent(fields, at === undefined ? Date.now() : Math.round(at));
    } catch (err) {
      // A contract violation is our bug: say so loudly, never crash a call over it.
      log.error({ err, kind: fields.kind }, "event failed its contract; not published");
      return;
    }
    void send(e);
  }) as EventPublisher;
  Object.defineProperty(publish, "pending", { get: () => pending });
  publish.drain = async (timeoutMs = 5_000) => {
    const until = Date.now() + timeoutMs;
    while (pending > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  };
  return publish;
}
