// Who may do what on the stack's own nats-server and redis-server. Every service connects as its
// own NATS user and Redis ACL user (passwords in secrets.json); each is allowed only the subjects
// and keys its code uses. The table in infra/README.md mirrors this file.
import {
  COMMANDS_STREAM,
  COMMANDS_SUBJECT_PREFIX,
  DLQ_STREAM,
  dlqSubject,
  EVENTS_STREAM,
  EVENTS_SUBJECT_PREFIX,
  IDEMPOTENCY_BUCKET,
  inboxPrefixFor,
} from "@cc/ingest";
import type { NatsPermissions, NatsUser } from "./launchers/nats.ts";
import { natsUrlWithCredentials } from "./launchers/nats.ts";
import type { RedisUser } from "./launchers/redis.ts";
import { redisUrlWithCredentials } from "./launchers/redis.ts";

/** The stack's processes that talk to NATS or Redis, plus `stack` (npm start itself: stream setup). */
export const IDENTITIES = [
  "stack",
  "intake",
  "sink",
  "pacing",
  "media",
  "projector",
  "dashboard",
  "floor",
  "importer",
  "customers",
] as const;
export type Identity = (typeof IDENTITIES)[number];
export type IdentityPasswords = Record<Identity, string>;

export interface IdentityScope {
  /** The org the single-org services (pacing, media, floor) work for. */
  orgId: string;
  /** The sink's durable consumer (SINK_DURABLE). */
  sinkDurable?: string;
  /** The projector's durable consumer prefix (PROJECTOR_DURABLE_PREFIX). */
  projectorPrefix?: string;
}

const EV = EVENTS_SUBJECT_PREFIX;
const jsApi = "$JS.API";

/** What every JetStream client needs: the account check, stream info and replies to its own inbox. */
function jetStreamClient(user: string): Required<Pick<NatsPermissions, "publish" | "subscribe">> {
  return {
    publish: {
      allow: [
        `${jsApi}.INFO`,
        ...[EVENTS_STREAM, DLQ_STREAM, COMMANDS_STREAM].map((s) => `${jsApi}.STREAM.INFO.${s}`),
      ],
    },
    subscribe: { allow: [`${inboxPrefixFor(user)}.>`] },
  };
}

/** Create, look up, pull from and ack one durable consumer (and no other) of one stream. */
function pullConsumer(stream: string, durable: string): string[] {
  return [
    `${jsApi}.CONSUMER.INFO.${stream}.${durable}`,
    `${jsApi}.CONSUMER.CREATE.${stream}.${durable}`,
    `${jsApi}.CONSUMER.CREATE.${stream}.${durable}.>`,
    `${jsApi}.CONSUMER.DURABLE.CREATE.${stream}.${durable}`,
    `${jsApi}.CONSUMER.MSG.NEXT.${stream}.${durable}`,
    `$JS.ACK.${stream}.${durable}.>`,
  ];
}

/** A key-value bucket the identity owns (creates, reads, writes). */
function ownBucket(bucket: string): string[] {
  const stream = `KV_${bucket}`;
  return [
    `${jsApi}.STREAM.INFO.${stream}`,
    `${jsApi}.STREAM.CREATE.${stream}`,
    `${jsApi}.STREAM.UPDATE.${stream}`,
    `${jsApi}.STREAM.MSG.GET.${stream}`,
    `${jsApi}.DIRECT.GET.${stream}.>`,
    `$KV.${bucket}.>`,
  ];
}

function withJetStream(user: string, publish: string[], subscribe: string[] = []): NatsPermissions {
  const base = jetStreamClient(user);
  return {
    publish: { allow: [...(base.publish.allow ?? []), ...publish] },
    subscribe: { allow: [...(base.subscribe.allow ?? []), ...subscribe] },
  };
}

/** Each identity's NATS subject permissions. */
export function natsPermissions(scope: IdentityScope): Record<Identity, NatsPermissions> {
  const org = scope.orgId;
  const live = scope.projectorPrefix ?? "live-state";
  return {
    // Creates and updates the streams before any service starts; services only read their info.
    stack: { publish: { allow: [`${jsApi}.>`] }, subscribe: { allow: [`${inboxPrefixFor("stack")}.>`] } },
    // The HTTP gateway for leads, ad reports and any valid event of its API keys' orgs.
    intake: withJetStream("intake", [`${EV}.>`, ...ownBucket(IDEMPOTENCY_BUCKET)]),
    // Reads every event into ClickHouse; writes the ones it cannot store to the dead-letter stream.
    sink: withJetStream("sink", [
      ...pullConsumer(EVENTS_STREAM, scope.sinkDurable ?? "cc-sink-clickhouse"),
      dlqSubject("sink"),
    ]),
    // Hears its org's events, publishes its decisions and the dial commands.
    // (and lead.assigned when untouched allocated leads return to the pool).
    pacing: withJetStream(
      "pacing",
      [
        `${EV}.${org}.pacing.>`,
        `${EV}.${org}.lead.assigned.>`,
        `${COMMANDS_SUBJECT_PREFIX}.dial.${org}.>`,
        // The durable lead consumer (pacing/src/service/lead-intake.ts): leads wait while pacing is down.
        ...pullConsumer(EVENTS_STREAM, `pacing-leads-${org}`),
      ],
      [`${EV}.${org}.>`],
    ),
    // Executes dial commands and takes inbound calls; publishes call, agent, inbound and
    // recording events; answers the dashboard's requests (hangup, status, monitor).
    media: {
      ...withJetStream(
        "media",
        [
          ...pullConsumer(COMMANDS_STREAM, `media-dialer-${org}`),
          ...["call", "agent", "inbound", "recording"].map((f) => `${EV}.${org}.${f}.>`),
          dlqSubject("media"),
        ],
        [`${EV}.${org}.agent.>`, `${EV}.${org}.lead.>`, `cc.req.media.${org}.*`],
      ),
      allow_responses: true,
    },
    // Keeps the live picture: three durable consumers of agent, call and pacing events.
    projector: withJetStream(
      "projector",
      ["agent", "call", "pacing"].flatMap((f) => pullConsumer(EVENTS_STREAM, `${live}-${f}`)),
    ),
    // Agents' console actions and dispositions, recording playback audit; asks the media
    // service to hang up, report or monitor (request/reply).
    dashboard: withJetStream(
      "dashboard",
      [
        `${EV}.*.agent.>`,
        `${EV}.*.call.disposition.>`,
        `${EV}.*.recording.accessed.>`,
        // Sales pipeline (contract approvals, orders by phone, tickets) and the knowledge base editor.
        ...["knowledge", "opportunity", "contract", "order", "payment", "ticket"].map(
          (f) => `${EV}.*.${f}.>`,
        ),
        // DNC/blacklist edits and imports (audit), managers' lead allocations
        `${EV}.*.dnc.>`,
        `${EV}.*.lead.assigned.>`,
        "cc.req.media.*.*",
        // The import wizard: lead.created / lead.import_completed, and its trial dial (commands for
        // the trial campaign, whose id must be "trial", and the list.trial_dialed result).
        `${EV}.*.lead.created.>`,
        `${EV}.*.lead.import_completed.>`,
        `${EV}.*.list.trial_dialed.>`,
        `${COMMANDS_SUBJECT_PREFIX}.dial.*.trial`,
      ],
      [
        // The trial dial follows its attempts' call events.
        `${EV}.*.call.*.trial`,
      ],
    ),
    // The simulated floor: feeds leads, watches its agents' states.
    floor: withJetStream("floor", [`${EV}.${org}.lead.>`], [`${EV}.${org}.agent.>`]),
    // Lead imports (npm run import, npm start's demo list): lead.created and lead.import_completed.
    importer: withJetStream("importer", [`${EV}.${org}.lead.>`]),
    // The customers service relays the ownership rules' events (customer.*) from its Redis outbox.
    customers: withJetStream("customers", [`${EV}.${org}.customer.>`]),
  };
}

/** Commands: everything but @dangerous (no FLUSHALL, KEYS, CONFIG, DEBUG, SHUTDOWN, ACL, …). */
const COMMANDS = ["+@all", "-@dangerous"];

/** Each identity's Redis ACL rules; intake and sink do not use Redis. */
export function redisRules(): Partial<Record<Identity, string[]>> {
  return {
    // npm start's supervisor writes each service's status to cc:stack:services.
    stack: ["~cc:stack:*", ...COMMANDS],
    // Dialing lists and the DNC list; reads the live picture for pacing decisions.
    pacing: ["~cc:list:*", "~cc:dnc:*", "%R~cc:blacklist:*", "%R~cc:live:*", ...COMMANDS],
    // Dial claims and the in-flight journal, the inbound caller directory, blacklist, last agent
    // and screen pops; reads agents' live state and the DNC list (dial gate).
    media: [
      "~cc:media:*",
      "~cc:callers:*",
      "~cc:blacklist:*",
      "~cc:inbound:*",
      "%R~cc:live:*",
      "%R~cc:dnc:*",
      ...COMMANDS,
    ],
    // Writes the live picture and announces agent changes on cc:live:changed:<org>.
    projector: ["~cc:live:*", "&cc:live:changed:*", ...COMMANDS],
    // Users, sessions, teams, login throttling; reads the live picture (wallboard, console) and
    // the supervisor's service statuses (health strip).
    dashboard: [
      "~cc:session:*",
      "~cc:user-sessions:*",
      "~cc:user:*",
      "~cc:users",
      "~cc:team:*",
      "~cc:teams:*",
      "~cc:agent-user:*",
      "~cc:loginfail:*",
      "%R~cc:live:*",
      "&cc:live:changed:*",
      "%R~cc:stack:*",
      "%R~cc:inbound:pop:*",
      // The DNC list and blacklist pages (edit, import), lead allocation to teams and agents.
      "~cc:dnc:*",
      "~cc:blacklist:*",
      "~cc:list:*",
      // The import wizard: numbers imported per campaign, field rules, reports.
      "~cc:import:*",
      // Customers (公海/私海): the pages and the console call @cc/customers' store, whose
      // scripts keep every cc:cust:* index and the outbox in one atomic step.
      "~cc:cust:*",
      // Report schedules per user (scheduled CSV/XLSX exports).
      "~cc:reports:*",
      ...COMMANDS,
    ],
    // Reads its campaign's list sizes for /health.
    floor: ["%R~cc:list:*", ...COMMANDS],
    // Lead imports: numbers already imported per campaign, field rules, reports; reads the DNC
    // list and the blacklist to scrub.
    // Reads customers' phone index and holders: rows of existing customers merge into them.
    importer: ["~cc:import:*", "%R~cc:dnc:*", "%R~cc:blacklist:*", "%R~cc:cust:*", ...COMMANDS],
    // The customers service: 10:00 releases, reminders, the outbox relay (all of cc:cust:*).
    customers: ["~cc:cust:*", ...COMMANDS],
  };
}

export function natsUsers(passwords: IdentityPasswords, scope: IdentityScope): NatsUser[] {
  const perms = natsPermissions(scope);
  return IDENTITIES.map((user) => ({ user, password: passwords[user], permissions: perms[user] }));
}

export function redisUsers(passwords: IdentityPasswords): RedisUser[] {
  return Object.entries(redisRules()).map(([user, rules]) => ({
    user,
    password: passwords[user as Identity],
    rules: rules ?? [],
  }));
}

export interface StackCredentials {
  nats: IdentityPasswords;
  redis: IdentityPasswords;
}

/**
 * NATS_URL and REDIS_URL for one service, carrying its credentials. Only for servers the stack
 * launched itself (an external server's URL already says how to log in): `launched` says which.
 */
export function serviceUrls(
  service: string,
  urls: { nats: string; redis: string },
  launched: { nats: boolean; redis: boolean },
  creds: StackCredentials,
): { NATS_URL?: string; REDIS_URL?: string } {
  if (!(IDENTITIES as readonly string[]).includes(service)) return {};
  const id = service as Identity;
  return {
    ...(launched.nats ? { NATS_URL: natsUrlWithCredentials(urls.nats, id, creds.nats[id]) } : {}),
    ...(launched.redis && redisRules()[id]
      ? { REDIS_URL: redisUrlWithCredentials(urls.redis, id, creds.redis[id]) }
      : {}),
  };
}
