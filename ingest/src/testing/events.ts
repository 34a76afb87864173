import { type CallCenterEvent, makeEvent } from "../contracts/index.ts";

/** A valid call.answered event for tests and benchmarks; `i` spreads it over campaigns and leads. */
export function sampleCallAnswered(i: number, opts: { org?: string; now?: number } = {}): CallCenterEvent {
  return makeEvent(
    {
      kind: "call.answered",
      org_id: opts.org ?? "acme",
      campaign_id: `camp-${i % 7}`,
      attempt_id: `att-${i}`,
      lead_id: `lead-${i}`,
      detection: i % 5 === 0 ? "machine" : "human",
      detect_ms: 400 + (i % 900),
      ring_s: 3 + (i % 20),
    },
    opts.now,
  );
}
