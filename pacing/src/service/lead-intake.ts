// Leads reach the dialing list through a durable JetStream consumer of `lead.created`, not a plain
// subscription: a lead published while pacing is down (restart, crash, deploy) waits in the stream
// and is added when pacing is back. A message is acked only after the list add succeeded; the add is
// idempotent (a lead already in the list is left alone), so a redelivery is harmless — also of a
// batch message whose first leads were added before one failed.
import { type CallCenterEvent, decodeEvents, EVENTS_STREAM, EVENTS_SUBJECT_PREFIX } from "@cc/ingest";
import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";

export type LeadCreated = Extract<CallCenterEvent, { kind: "lead.created" }>;

export interface LeadIntakeOptions {
  nats: NatsConnection;
  orgId: string;
  /** The durable consumer's name; pacing instances that pace different campaigns need distinct names. */
  durable: string;
  /** When the consumer is first created: how far back in the stream it starts (default 24 h). */
  lookbackMs?: number;
  /** Adds the lead to its list; a throw leaves the message unacked (redelivered). */
  onLead: (e: LeadCreated) => Promise<void>;
  logger?: { info(o: object, m?: string): void; warn(o: object, m?: string): void };
}

export interface LeadIntake {
  stop(): Promise<void>;
}

/** The durable consumer name pacing uses by default (and its identity may create). */
export function leadsDurableFor(orgId: string): string {
  return `pacing-leads-${orgId}`;
}

async function ensureLeadConsumer(jsm: JetStreamManager, o: LeadIntakeOptions): Promise<void> {
  try {
    await jsm.consumers.info(EVENTS_STREAM, o.durable);
    return;
  } catch {
    // not there yet: create below
  }
  await jsm.consumers.add(EVENTS_STREAM, {
    durable_name: o.durable,
    filter_subject: `${EVENTS_SUBJECT_PREFIX}.${o.orgId}.lead.created.>`,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.StartTime,
    opt_start_time: new Date(Date.now() - (o.lookbackMs ?? 86_400_000)).toISOString(),
    max_ack_pending: 10_000,
    ack_wait: 30_000_000_000,
  });
}

/** Starts consuming lead.created events into the dialing lists; resolves once the consumer exists. */
export async function startLeadIntake(o: LeadIntakeOptions): Promise<LeadIntake> {
  const jsm = await jetstreamManager(o.nats);
  await ensureLeadConsumer(jsm, o);
  const consumer = await jetstream(o.nats).consumers.get(EVENTS_STREAM, o.durable);
  const messages = await consumer.consume({ max_messages: 256 });
  const done = (async () => {
    for await (const m of messages) {
      // One lead, or an import's batch message of many: acked once all of them are in the list.
      const leads = decodeEvents(m.data).flatMap((r) =>
        // The sink dead-letters invalid events; here they are skipped.
        r.ok && r.event.kind === "lead.created" ? [r.event] : [],
      );
      try {
        for (const lead of leads) await o.onLead(lead);
        m.ack();
      } catch (err) {
        o.logger?.warn({ err, leads: leads.length, seq: m.seq }, "lead not added; redelivering");
        m.nak(1_000);
      }
    }
  })().catch((err) => o.logger?.warn({ err }, "lead consumer ended"));
  o.logger?.info({ durable: o.durable }, "lead consumer started");
  return {
    async stop() {
      await messages.close();
      await done;
    },
  };
}
