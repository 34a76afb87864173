import { connectNats, type EventFields, makeEvent, publishEvent } from "@cc/ingest";
import { jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { config } from "./config.ts";

let conn: Promise<NatsConnection> | undefined;

export function nats(): Promise<NatsConnection> {
  conn ??= connectNats(config().NATS_URL, { name: "cc-dashboard" });
  return conn;
}

/**
 * Validates and publishes one event the dashboard produces (agent actions). The ingest
 * publisher sets Nats-Msg-Id = event id, so a retried publish is never duplicated.
 */
export async function publish(fields: EventFields) {
  const event = makeEvent(fields);
  await publishEvent(jetstream(await nats()), event);
  return event;
}

export async function closeNats(): Promise<void> {
  if (!conn) return;
  const c = await conn;
  conn = undefined;
  await c.drain();
}
