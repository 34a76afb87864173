import {
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  type PubAck,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import {
  type CallCenterEvent,
  COMMANDS_STREAM,
  COMMANDS_SUBJECT_PREFIX,
  type DialCommand,
  dialSubject,
} from "../contracts/index.ts";
import {
  DLQ_STREAM,
  DLQ_SUBJECT_PREFIX,
  EVENTS_STREAM,
  EVENTS_SUBJECT_PREFIX,
  subjectFor,
} from "../subjects.ts";
import { AsyncPublisher } from "./async-publish.ts";

export class IngestError extends Error {
  override name = "IngestError";
  readonly code: string;
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

const NS_PER_MS = 1_000_000;

export interface ConnectOptions {
  name?: string;
  /** Keep reconnecting forever by default: services outlive NATS restarts. */
  maxReconnectAttempts?: number;
}

/**
 * A NATS URL may carry the service's credentials, `nats://user:password@127.0.0.1:4222` (as
 * `npm start` hands them out). Split them off: nats.js takes them as options, and the bare
 * server address is what goes into logs and errors.
 */
export function natsServerAndCredentials(url: string): { server: string; user?: string; pass?: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { server: url };
  }
  if (!parsed.username) return { server: url };
  const user = decodeURIComponent(parsed.username);
  const pass = decodeURIComponent(parsed.password);
  parsed.username = "";
  parsed.password = "";
  return { server: parsed.toString().replace(/\/$/, ""), user, pass };
}

/** Replies to a user come to its own inbox prefix, so its permissions need not open `_INBOX.>`. */
export const inboxPrefixFor = (user: string) => `_INBOX.${user}`;

export async function connectNats(url: string, opts: ConnectOptions = {}): Promise<NatsConnection> {
  const { server, user, pass } = natsServerAndCredentials(url);
  try {
    return await connect({
      servers: server,
      name: opts.name ?? "cc-ingest",
      maxReconnectAttempts: opts.maxReconnectAttempts ?? -1,
      reconnectTimeWait: 250,
      ...(user ? { user, pass: pass ?? "", inboxPrefix: inboxPrefixFor(user) } : {}),
    });
  } catch (err) {
    const as = user ? ` as ${user}` : "";
    throw new IngestError(
      `cannot connect to NATS at ${server}${as}: ${(err as Error).message}`,
      "NATS_CONNECT",
      {
        cause: err,
      },
    );
  }
}

export interface StreamOptions {
  /** Publishes with the same Nats-Msg-Id inside this window are dropped as duplicates. Default 10 min. */
  duplicateWindowMs?: number;
  /** How long events stay in CC_EVENTS; 0 = forever (default 7 days: ClickHouse is the archive). */
  maxAgeMs?: number;
  /** How long dead letters stay; default 30 days, long enough for someone to look. */
  dlqMaxAgeMs?: number;
}

export const DEFAULT_DUPLICATE_WINDOW_MS = 10 * 60_000;
export const DEFAULT_EVENTS_MAX_AGE_MS = 7 * 86_400_000;
export const DEFAULT_DLQ_MAX_AGE_MS = 30 * 86_400_000;

export function eventsStreamConfig(opts: StreamOptions = {}): Partial<StreamConfig> & { name: string } {
  return {
    name: EVENTS_STREAM,
    subjects: [`${EVENTS_SUBJECT_PREFIX}.>`],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    duplicate_window: (opts.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS) * NS_PER_MS,
    max_age: (opts.maxAgeMs ?? DEFAULT_EVENTS_MAX_AGE_MS) * NS_PER_MS,
    num_replicas: 1,
  };
}

export function dlqStreamConfig(opts: StreamOptions = {}): Partial<StreamConfig> & { name: string } {
  return {
    name: DLQ_STREAM,
    subjects: [`${DLQ_SUBJECT_PREFIX}.>`],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    duplicate_window: 2 * 60_000 * NS_PER_MS,
    max_age: (opts.dlqMaxAgeMs ?? DEFAULT_DLQ_MAX_AGE_MS) * NS_PER_MS,
    num_replicas: 1,
  };
}

/** Commands live an hour: a dial command older than its expiry is never executed anyway. */
export function commandsStreamConfig(): Partial<StreamConfig> & { name: string } {
  return {
    name: COMMANDS_STREAM,
    subjects: [`${COMMANDS_SUBJECT_PREFIX}.>`],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    duplicate_window: DEFAULT_DUPLICATE_WINDOW_MS * NS_PER_MS,
    max_age: 3_600_000 * NS_PER_MS,
    num_replicas: 1,
  };
}

/** Creates CC_EVENTS, CC_DLQ and CC_COMMANDS, or updates them to the wanted config; safe at every start. */
export async function ensureStreams(jsm: JetStreamManager, opts: StreamOptions = {}): Promise<void> {
  for (const cfg of [eventsStreamConfig(opts), dlqStreamConfig(opts), commandsStreamConfig()]) {
    try {
      const info = await jsm.streams.info(cfg.name);
      // Unchanged: nothing to update (services whose identity may only read stream info get here).
      if (!differs(info.config, cfg)) continue;
    } catch (err) {
      if (!isNotFound(err)) throw wrap(err, cfg.name);
      try {
        await jsm.streams.add(cfg);
        continue;
      } catch (addErr) {
        // Another service created it between our info and add: fall through to update.
        if (!/already in use|exists/i.test((addErr as Error).message)) throw wrap(addErr, cfg.name);
      }
    }
    const { name, storage: _s, retention: _r, ...mutable } = cfg;
    try {
      await jsm.streams.update(name, mutable);
    } catch (err) {
      // The stream exists but this identity may not change it (npm start: the stack owns the
      // streams' settings); publishing and consuming work as they are.
      if (/permissions violation/i.test((err as Error).message)) continue;
      throw wrap(err, name);
    }
  }
}

/** Whether the stream's settings differ from the ones we manage. */
function differs(current: Partial<StreamConfig>, wanted: Partial<StreamConfig>): boolean {
  return (
    JSON.stringify(current.subjects ?? []) !== JSON.stringify(wanted.subjects ?? []) ||
    current.duplicate_window !== wanted.duplicate_window ||
    current.max_age !== wanted.max_age ||
    (current.num_replicas ?? 1) !== (wanted.num_replicas ?? 1)
  );
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; message?: string; code?: number; api_error?: { err_code?: number } };
  return (
    e.name === "StreamNotFoundError" ||
    e.api_error?.err_code === 10059 ||
    /stream not found/i.test(e.message ?? "")
  );
}

function wrap(err: unknown, stream: string): IngestError {
  return new IngestError(`stream ${stream}: ${(err as Error).message}`, "STREAM_SETUP", { cause: err });
}

export async function jetStreamFor(
  nc: NatsConnection,
): Promise<{ js: JetStreamClient; jsm: JetStreamManager }> {
  return { js: jetstream(nc), jsm: await jetstreamManager(nc) };
}

export interface PublishResult {
  id: string;
  seq: number;
  duplicate: boolean;
}

const encoder = new TextEncoder();

export function encodeEvent(event: CallCenterEvent): Uint8Array {
  return encoder.encode(JSON.stringify(event));
}

/** Publishes one validated event with Nats-Msg-Id = event id; resolves once JetStream stored it. */
export async function publishEvent(js: JetStreamClient, event: CallCenterEvent): Promise<PublishResult> {
  const ack = await publishRaw(js, subjectFor(event), encodeEvent(event), event.id);
  return { id: event.id, seq: ack.seq, duplicate: ack.duplicate };
}

/** Publishes a dial command with Nats-Msg-Id = attempt id: a retried publish is never stored twice. */
export async function publishDialCommand(js: JetStreamClient, cmd: DialCommand): Promise<PublishResult> {
  const ack = await publishRaw(
    js,
    dialSubject(cmd.org_id, cmd.campaign_id),
    encoder.encode(JSON.stringify(cmd)),
    cmd.attempt_id,
  );
  return { id: cmd.attempt_id, seq: ack.seq, duplicate: ack.duplicate };
}

async function publishRaw(
  js: JetStreamClient,
  subject: string,
  data: Uint8Array,
  msgID: string,
): Promise<PubAck> {
  try {
    return await js.publish(subject, data, { msgID, timeout: 10_000 });
  } catch (err) {
    throw new IngestError(`publish to ${subject} failed: ${(err as Error).message}`, "PUBLISH", {
      cause: err,
    });
  }
}

export interface BatchPublishResult {
  results: PublishResult[];
  accepted: number;
  duplicates: number;
}

export interface BatchPublishOptions {
  /** Publishes awaiting their ack at once. */
  window?: number;
  /** Retries per event on timeout / no responders; the msg id makes a retry safe. */
  retries?: number;
}

/** One async publisher (one reply-inbox subscription) per connection. */
const asyncPublishers = new WeakMap<NatsConnection, AsyncPublisher>();

function asyncPublisherFor(js: JetStreamClient, window: number): AsyncPublisher | undefined {
  const nc = (js as { nc?: NatsConnection }).nc;
  if (!nc || nc.isClosed()) return undefined;
  let p = asyncPublishers.get(nc);
  if (!p) {
    const created = new AsyncPublisher(nc, { maxOutstanding: Math.max(window, 4_096), timeoutMs: 10_000 });
    asyncPublishers.set(nc, created);
    void nc.closed().then(() => created.close());
    p = created;
  }
  return p;
}

/**
 * Publishes many events keeping up to `window` acks in flight, acks collected asynchronously
 * on one inbox (async-publish.ts: ~8x less client CPU than a request per event). Every event
 * carries its id as Nats-Msg-Id, so a retry (ours or the caller's) is reported as a duplicate,
 * never stored twice. Results are in input order; rejects only after retries are exhausted.
 */
export async function publishEvents(
  js: JetStreamClient,
  events: readonly CallCenterEvent[],
  opts: BatchPublishOptions = {},
): Promise<BatchPublishResult> {
  const window = Math.max(1, opts.window ?? 512);
  const retries = opts.retries ?? 3;
  const results: PublishResult[] = new Array(events.length);
  const publisher = asyncPublisherFor(js, window);
  const once = async (
    subject: string,
    data: Uint8Array,
    id: string,
  ): Promise<{ seq: number; duplicate: boolean }> => {
    if (!publisher) return await publishRaw(js, subject, data, id);
    try {
      return await publisher.publish(subject, data, id);
    } catch (err) {
      throw new IngestError(`publish to ${subject} failed: ${(err as Error).message}`, "PUBLISH", {
        cause: err,
      });
    }
  };
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= events.length) return;
      const event = events[i] as CallCenterEvent;
      const data = encodeEvent(event);
      const subject = subjectFor(event);
      for (let attempt = 0; ; attempt++) {
        try {
          const ack = await once(subject, data, event.id);
          results[i] = { id: event.id, seq: ack.seq, duplicate: ack.duplicate };
          break;
        } catch (err) {
          if (attempt >= retries) throw err;
          await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, events.length) }, worker));
  const duplicates = results.filter((r) => r.duplicate).length;
  return { results, accepted: results.length - duplicates, duplicates };
}
