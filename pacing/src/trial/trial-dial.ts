// Trial dial (试呼) of a list: a sample of its numbers goes through the real media path (dial
// commands on JetStream → the media service → drachtio → rtpengine → the carrier) on a trial
// campaign with call progress only, so nobody is connected: the answer, or the SIP final response's
// cause, says whether each number works. The share of invalid numbers becomes the list's quality
// score, published as a `list.trial_dialed` event (ClickHouse keeps it with the import's history).
import {
  type CallCenterEvent,
  type DialCommand,
  decodeEvent,
  makeEvent,
  newEventId,
  publishDialCommand,
  publishEvent,
  type TrialOutcome,
} from "@cc/ingest";
import type { JetStreamClient } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { CampaignConfig } from "../campaigns.ts";

export interface TrialNumber {
  leadId: string;
  phone: string;
  consent?: boolean;
}

export interface TrialDialOptions {
  js: JetStreamClient;
  nc: NatsConnection;
  orgId: string;
  /** The trial campaign as the media service knows it (`call_progress_only: true`). */
  trialCampaign: CampaignConfig;
  /** The campaign whose list is sampled, and the list / import it came from (for the event). */
  campaignId: string;
  listId?: string;
  importId?: string;
  by?: string;
  numbers: readonly TrialNumber[];
  /** Size of the whole list when `numbers` is already a sample of it (default: numbers.length). */
  listSize?: number;
  /** Share of the list to dial (default 2 %), at least 1 number, at most `max` (default 200). */
  share?: number;
  max?: number;
  /** Seed of the sample (a repeatable trial); random otherwise. */
  seed?: number;
  /** Dials started per second (default 5): a trial must not flood the carrier. */
  ratePerS?: number;
  /** Longest wait for one number's outcome (default: ring timeout + 30 s). */
  outcomeTimeoutMs?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface TrialNumberResult extends TrialNumber {
  attemptId: string;
  outcome: TrialOutcome;
  sipCode?: number;
  detail?: string;
}

export interface TrialDialResult {
  trialId: string;
  listSize: number;
  sampled: number;
  outcomes: Partial<Record<TrialOutcome, number>>;
  invalidShare: number | null;
  qualityScore: number | null;
  numbers: TrialNumberResult[];
  event: CallCenterEvent;
}

const FAILURE: Record<string, TrialOutcome> = {
  busy: "busy",
  invalid_number: "invalid",
  no_answer: "no_answer",
  unreachable: "unreachable",
  rejected: "rejected",
  network: "network",
  cancelled: "no_result",
};

/** Outcomes that say something about the number itself. */
const DECIDED: readonly TrialOutcome[] = [
  "answered",
  "busy",
  "no_answer",
  "invalid",
  "unreachable",
  "rejected",
];

/** mulberry32: a small seeded generator, so a trial's sample can be drawn again. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A uniform sample without replacement (partial Fisher–Yates), in list order. */
export function trialSample<T>(
  items: readonly T[],
  o: { share?: number; max?: number; seed?: number } = {},
): T[] {
  if (items.length === 0) return [];
  const want = Math.round(items.length * (o.share ?? 0.02));
  const k = Math.min(items.length, o.max ?? 200, Math.max(1, want));
  const rand = prng(o.seed ?? Math.floor(Math.random() * 2 ** 32));
  const idx = items.map((_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rand() * (idx.length - i));
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  return idx
    .slice(0, k)
    .sort((a, b) => a - b)
    .map((i) => items[i]!);
}

/** Invalid share and quality score (0–100) from a trial's outcome counts. */
export function trialScore(outcomes: Partial<Record<TrialOutcome, number>>): {
  invalidShare: number | null;
  qualityScore: number | null;
} {
  const decided = DECIDED.reduce((n, k) => n + (outcomes[k] ?? 0), 0);
  if (decided === 0) return { invalidShare: null, qualityScore: null };
  const invalid = (outcomes.invalid ?? 0) / decided;
  const unreachable = (outcomes.unreachable ?? 0) / decided;
  const score = Math.max(0, Math.min(100, 100 * (1 - invalid - unreachable / 2)));
  return { invalidShare: invalid, qualityScore: Math.round(score * 10) / 10 };
}

/** The outcome an attempt's event decides, or null while it is still going. */
export function trialOutcomeOf(
  e: CallCenterEvent,
): Omit<TrialNumberResult, keyof TrialNumber | "attemptId"> | null {
  if (e.kind === "call.answered") return { outcome: "answered" };
  if (e.kind === "call.blocked") return { outcome: "blocked", detail: e.reason };
  if (e.kind === "call.failed")
    return {
      outcome: FAILURE[e.cause] ?? "network",
      ...(e.sip_code ? { sipCode: e.sip_code } : {}),
      ...(e.detail ? { detail: e.detail } : {}),
    };
  return null;
}

export async function trialDial(o: TrialDialOptions): Promise<TrialDialResult> {
  const trialId = `trial-${newEventId()}`;
  const sample = trialSample(o.numbers, {
    ...(o.share !== undefined ? { share: o.share } : {}),
    ...(o.max !== undefined ? { max: o.max } : {}),
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
  });
  const pending = new Map<string, TrialNumberResult>();
  const results: TrialNumberResult[] = [];
  let settle: () => void = () => {};
  const allDone = new Promise<void>((r) => {
    settle = r;
  });
  const finish = (id: string, r: Omit<TrialNumberResult, keyof TrialNumber | "attemptId">) => {
    const n = pending.get(id);
    if (!n) return;
    pending.delete(id);
    results.push({ ...n, ...r });
    o.onProgress?.(results.length, sample.length);
    if (results.length === sample.length) settle();
  };
  // Listen before the first command: a fast failure must not be missed.
  const sub = o.nc.subscribe(`cc.events.${o.orgId}.call.*.${o.trialCampaign.id}`, {
    callback: (_err, m) => {
      const r = decodeEvent(m.data);
      const id = r.ok ? (r.event as { attempt_id?: string }).attempt_id : undefined;
      if (!r.ok || !id) return;
      const outcome = trialOutcomeOf(r.event);
      if (outcome) finish(id, outcome);
    },
  });
  const timeoutMs = o.outcomeTimeoutMs ?? o.trialCampaign.ring_timeout_s * 1000 + 30_000;
  const timers: NodeJS.Timeout[] = [];
  try {
    const gapMs = 1000 / (o.ratePerS ?? 5);
    for (const n of sample) {
      const cmd = dialCommand(o, trialId, n);
      pending.set(cmd.attempt_id, { ...n, attemptId: cmd.attempt_id, outcome: "no_result" });
      timers.push(setTimeout(() => finish(cmd.attempt_id, { outcome: "no_result" }), timeoutMs));
      try {
        await publishDialCommand(o.js, cmd);
      } catch (err) {
        finish(cmd.attempt_id, { outcome: "no_result", detail: `not published: ${(err as Error).message}` });
      }
      await new Promise((r) => setTimeout(r, gapMs));
    }
    if (sample.length > 0) await allDone;
  } finally {
    for (const t of timers) clearTimeout(t);
    sub.unsubscribe();
  }
  return await publishTrial(o, trialId, sample.length, results);
}

function dialCommand(o: TrialDialOptions, trialId: string, n: TrialNumber): DialCommand {
  const now = Date.now();
  return {
    kind: "cmd.dial",
    attempt_id: newEventId(),
    org_id: o.orgId,
    campaign_id: o.trialCampaign.id,
    lead_id: n.leadId,
    phone: n.phone,
    caller_id: o.trialCampaign.caller_id,
    mode: "progressive",
    attempt_no: 1,
    decision_id: trialId,
    consent: n.consent ?? true,
    issued_at: new Date(now).toISOString(),
    expires_at: new Date(now + 60_000).toISOString(),
  };
}

async function publishTrial(
  o: TrialDialOptions,
  trialId: string,
  sampled: number,
  results: TrialNumberResult[],
): Promise<TrialDialResult> {
  const outcomes: Partial<Record<TrialOutcome, number>> = {};
  for (const r of results) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
  const { invalidShare, qualityScore } = trialScore(outcomes);
  const event = makeEvent({
    kind: "list.trial_dialed",
    org_id: o.orgId,
    trial_id: trialId,
    campaign_id: o.campaignId,
    ...(o.listId ? { list_id: o.listId } : {}),
    ...(o.importId ? { import_id: o.importId } : {}),
    ...(o.by ? { by: o.by } : {}),
    list_size: o.listSize ?? o.numbers.length,
    sampled,
    outcomes,
    invalid_share: invalidShare,
    quality_score: qualityScore,
  });
  await publishEvent(o.js, event);
  return {
    trialId,
    listSize: o.listSize ?? o.numbers.length,
    sampled,
    outcomes,
    invalidShare,
    qualityScore,
    numbers: results,
    event,
  };
}
