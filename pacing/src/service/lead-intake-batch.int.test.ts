// An import sends its leads in batch messages: pacing's lead consumer adds every lead of one, and
// when one add fails the whole message comes back (the adds are idempotent), so none is lost.
import { startNats } from "@cc/infra";
import {
  AsyncPublisher,
  batchMessageId,
  connectNats,
  EVENTS_STREAM,
  encodeEventBatch,
  ensureStreams,
  jetStreamFor,
  makeEvent,
  subjectFor,
} from "@cc/ingest";
import { waitFor } from "@cc/ingest/testing";
import type { NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LeadCreated, type LeadIntake, startLeadIntake } from "./lead-intake.ts";

const ORG = "acme";

describe("pacing's lead consumer and batch messages", () => {
  let nats: Awaited<ReturnType<typeof startNats>>;
  let nc: NatsConnection;
  let intake: LeadIntake | undefined;

  beforeAll(async () => {
    nats = await startNats();
    nc = await connectNats(nats.url, { name: "lead-intake-batch-test" });
    await ensureStreams((await jetStreamFor(nc)).jsm);
  });
  afterAll(async () => {
    await intake?.stop();
    await nc?.drain();
    await nats?.stop();
  });

  it("adds every lead of a batch; a failed add brings the message back and no lead is lost", async () => {
    const leads = Array.from(
      { length: 20 },
      (_, i) =>
        makeEvent({
          kind: "lead.created",
          org_id: ORG,
          lead_id: `imp-${i}`,
          source: "import",
          campaign_id: "spring",
          phone: `+8613800${String(i).padStart(6, "0")}`,
          consent: { given: false, method: "none" },
        }) as LeadCreated,
    );
    const adds = new Map<string, number>();
    let failOnce = true;
    intake = await startLeadIntake({
      nats: nc,
      orgId: ORG,
      durable: "pacing-leads-batch-test",
      onLead: async (e) => {
        if (e.lead_id === "imp-12" && failOnce) {
          failOnce = false;
          throw new Error("redis hiccup");
        }
        adds.set(e.lead_id, (adds.get(e.lead_id) ?? 0) + 1);
      },
    });
    const pub = new AsyncPublisher(nc);
    await new Promise<void>((resolve, reject) =>
      pub.send(
        subjectFor(leads[0]!),
        encodeEventBatch(leads.map((e) => JSON.stringify(e))),
        batchMessageId(leads.map((e) => e.id)),
        (err) => (err ? reject(err) : resolve()),
        leads.length,
      ),
    );
    pub.close();
    await waitFor(
      "every lead added",
      async () => adds.size,
      (n) => n === 20,
    );
    // The leads before the failure were added twice (redelivery), the rest once: adds are idempotent.
    expect(leads.map((e) => adds.get(e.lead_id))).toEqual(leads.map((_, i) => (i < 12 ? 2 : 1)));
    const { jsm } = await jetStreamFor(nc);
    await waitFor(
      "the message acked",
      () => jsm.consumers.info(EVENTS_STREAM, "pacing-leads-batch-test"),
      (ci) => ci.num_ack_pending === 0 && ci.num_pending === 0,
    );
    expect(failOnce).toBe(false);
  });
});
