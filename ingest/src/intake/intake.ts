import { createHash } from "node:crypto";
import type { AddressInfo } from "node:net";
import { type JetStreamClient, jetstream } from "@nats-io/jetstream";
import { type KV, Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from "fastify";
import { type Logger, pino } from "pino";
import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";
import { z } from "zod";
import {
  type CallCenterEvent,
  EventSchema,
  type FieldIssue,
  newEventId,
  parseEvent,
  utcNow,
} from "../contracts/index.ts";
import { ApiKeyRing, type ApiPrincipal, presentedKey } from "../http/auth.ts";
import { connectNats, ensureStreams, jetStreamFor, publishEvents } from "../nats/jetstream.ts";
import { parseStoredJson } from "../stored-json.ts";
import type { IntakeConfig } from "./config.ts";
import { AdReport, adReportEvents, LeadForm, leadEvent, normalisePhone, zodIssues } from "./forms.ts";

export const IDEMPOTENCY_BUCKET = "cc_intake_idempotency";

export interface IntakeHandle {
  readonly port: number;
  readonly app: FastifyInstance;
  stop(): Promise<void>;
}

/** What the idempotency bucket holds per key: the event pinned to it and whether it went out. */
const IdemRecord = z.object({ event: EventSchema, published: z.boolean() });
type IdemRecord = z.infer<typeof IdemRecord>;

/** A stored record that fails its schema is an error, never a guess (it could publish twice). */
function readIdemRecord(value: Uint8Array, kvKey: string, logger: FastifyBaseLogger): IdemRecord {
  const r = parseStoredJson(IdemRecord, new TextDecoder().decode(value));
  if (r.ok) return r.value;
  logger.error({ key: kvKey, reason: r.reason }, "idempotency record is invalid");
  throw new HttpError(500, "IDEMPOTENCY_RECORD_INVALID", `stored idempotency record is invalid: ${r.reason}`);
}

declare module "fastify" {
  interface FastifyRequest {
    principal?: ApiPrincipal;
  }
}

class HttpError extends Error {
  override name = "HttpError";
  readonly code: string;
  readonly status: number;
  readonly issues: FieldIssue[] | undefined;
  constructor(status: number, code: string, message: string, issues?: FieldIssue[]) {
    super(message);
    this.status = status;
    this.code = code;
    this.issues = issues;
  }
}

function intakeMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new Counter({
      name: "intake_requests_total",
      help: "Intake HTTP requests by route and status",
      labelNames: ["route", "status"] as const,
      registers: [registry],
    }),
    events: new Counter({
      name: "intake_events_total",
      help: "Events acknowledged by JetStream, by route and result (accepted or duplicate)",
      labelNames: ["route", "result"] as const,
      registers: [registry],
    }),
    latency: new Histogram({
      name: "intake_request_seconds",
      help: "Request latency including the JetStream publish acks",
      labelNames: ["route"] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
  };
}

/** The org every event of the request belongs to: the key's org, or the body's for unbound keys. */
function orgFor(principal: ApiPrincipal, bodyOrg: string | undefined): string {
  if (principal.org_id !== undefined) {
    if (bodyOrg !== undefined && bodyOrg !== principal.org_id) {
      throw new HttpError(
        403,
        "WRONG_ORG",
        `this API key may only send events for org '${principal.org_id}'`,
        [{ path: "org_id", message: `must be '${principal.org_id}' for this API key` }],
      );
    }
    return principal.org_id;
  }
  if (bodyOrg === undefined) {
    throw new HttpError(400, "VALIDATION", "validation failed", [
      { path: "org_id", message: "required: this API key is not bound to an org" },
    ]);
  }
  return bodyOrg;
}

export async function buildIntakeApp(opts: {
  config: IntakeConfig;
  js: JetStreamClient;
  nc: NatsConnection;
  idempotency: KV;
  logger: Logger;
}): Promise<FastifyInstance> {
  const { config, js, nc, idempotency } = opts;
  const keys = new ApiKeyRing(config.apiKeys);
  const metricsKeys = new ApiKeyRing(config.metricsApiKeys);
  const metrics = intakeMetrics();
  const app = Fastify({
    loggerInstance: opts.logger as unknown as FastifyBaseLogger,
    bodyLimit: config.bodyLimitBytes,
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, _req, reply) => {
    if (err instanceof HttpError) {
      return reply.status(err.status).send({ error: err.message, code: err.code, issues: err.issues });
    }
    if (err.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
      return reply.status(413).send({
        error: `request body larger than the limit of ${config.bodyLimitBytes} bytes; split it into smaller requests`,
        code: "BODY_TOO_LARGE",
      });
    }
    if (err.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
      return reply
        .status(415)
        .send({ error: "send JSON (content-type: application/json)", code: "MEDIA_TYPE" });
    }
    if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.status(err.statusCode).send({
        error: err.message,
        code: "BAD_REQUEST",
        issues: [{ path: "(body)", message: err.message }],
      });
    }
    opts.logger.error({ err }, "intake request failed");
    return reply
      .status(503)
      .send({ error: "events could not be stored; retry with the same ids", code: "UNAVAILABLE" });
  });

  app.addHook("onResponse", async (req, reply) => {
    const route = req.routeOptions.url ?? "unknown";
    metrics.requests.inc({ route, status: String(reply.statusCode) });
    metrics.latency.observe({ route }, reply.elapsedTime / 1000);
  });

  const authenticate = async (req: FastifyRequest, reply: FastifyReply) => {
    const principal = keys.verify(presentedKey(req.headers));
    if (principal === undefined) {
      reply.header("www-authenticate", 'Bearer realm="intake"');
      throw new HttpError(
        401,
        "UNAUTHORIZED",
        "missing or unknown API key (Authorization: Bearer … or X-Api-Key)",
      );
    }
    req.principal = principal;
  };

  const publish = async (route: string, events: CallCenterEvent[], reply: FastifyReply) => {
    const r = await publishEvents(js, events, { window: 256, retries: 2 });
    metrics.events.inc({ route, result: "accepted" }, r.accepted);
    if (r.duplicates > 0) metrics.events.inc({ route, result: "duplicate" }, r.duplicates);
    return reply
      .status(202)
      .send({ accepted: r.accepted, duplicates: r.duplicates, ids: events.map((e) => e.id) });
  };

  app.get("/health", async (_req, reply) => {
    const connected =
      !nc.isClosed() &&
      (await Promise.race([
        nc.rtt().then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), 1_000)),
      ]).catch(() => false));
    return reply
      .status(connected ? 200 : 503)
      .send({ ok: connected, service: "intake", nats: { connected } });
  });

  app.get("/metrics", async (req, reply) => {
    if (metricsKeys.verify(presentedKey(req.headers)) === undefined) {
      throw new HttpError(401, "UNAUTHORIZED", "missing or unknown API key");
    }
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  // Machine sources: one event or an array of complete events (client-generated UUIDv7 ids).
  app.post("/v1/events", { preHandler: authenticate }, async (req, reply) => {
    const principal = req.principal as ApiPrincipal;
    const body = req.body;
    const list = Array.isArray(body) ? body : [body];
    if (list.length === 0)
      throw new HttpError(400, "VALIDATION", "validation failed", [{ path: "(root)", message: "no events" }]);
    if (list.length > config.maxEvents) {
      throw new HttpError(413, "TOO_MANY_EVENTS", `at most ${config.maxEvents} events per request`);
    }
    const events: CallCenterEvent[] = [];
    const issues: FieldIssue[] = [];
    const foreign: FieldIssue[] = [];
    list.forEach((item, i) => {
      const at = Array.isArray(body) ? `${i}.` : "";
      const r = parseEvent(item);
      if (!r.ok) {
        for (const is of r.issues) issues.push({ path: `${at}${is.path}`, message: is.message });
      } else if (principal.org_id !== undefined && r.event.org_id !== principal.org_id) {
        foreign.push({ path: `${at}org_id`, message: `must be '${principal.org_id}' for this API key` });
      } else {
        events.push(r.event);
      }
    });
    if (issues.length > 0) throw new HttpError(400, "VALIDATION", "validation failed", issues);
    if (foreign.length > 0) {
      throw new HttpError(403, "WRONG_ORG", "events for another org than this API key's", foreign);
    }
    return await publish("/v1/events", events, reply);
  });

  // Web-form leads → lead.created. Idempotency-Key (or the client's event_id) pins the event:
  // the first request stores it in a KV bucket, a retry republishes that very event.
  app.post("/v1/leads", { preHandler: authenticate }, async (req, reply) => {
    const principal = req.principal as ApiPrincipal;
    const parsed = LeadForm.safeParse(req.body);
    if (!parsed.success) throw new HttpError(400, "VALIDATION", "validation failed", zodIssues(parsed.error));
    const form = parsed.data;
    const org = orgFor(principal, form.org_id);
    const phone = normalisePhone(form.phone, config.defaultRegion);
    if (!phone.ok) {
      throw new HttpError(400, "VALIDATION", "validation failed", [
        { path: "phone", message: phone.message },
      ]);
    }
    const idemHeader = req.headers["idempotency-key"];
    const idemKey = typeof idemHeader === "string" && idemHeader.length > 0 ? `k:${idemHeader}` : undefined;
    const clientKey = form.event_id !== undefined ? `e:${form.event_id}` : undefined;
    const key = idemKey ?? clientKey;
    const fresh = () => leadEvent(form, org, phone.e164, form.event_id ?? newEventId(), utcNow());
    if (key === undefined) {
      const built = fresh();
      if (!built.ok) throw new HttpError(400, "VALIDATION", "validation failed", built.issues);
      return await publish("/v1/leads", built.events, reply);
    }
    const kvKey = `${org}.${createHash("sha256").update(key).digest("hex")}`;
    let record: IdemRecord | undefined;
    const existing = await idempotency.get(kvKey);
    if (existing?.value && existing.value.length > 0) {
      record = readIdemRecord(existing.value, kvKey, req.log);
    } else {
      const built = fresh();
      if (!built.ok) throw new HttpError(400, "VALIDATION", "validation failed", built.issues);
      record = { event: built.events[0] as CallCenterEvent, published: false };
      try {
        await idempotency.create(kvKey, JSON.stringify(record));
      } catch {
        // A concurrent request with the same key won the race: use its event.
        const again = await idempotency.get(kvKey);
        if (!again?.value || again.value.length === 0) throw new Error("idempotency record vanished");
        record = readIdemRecord(again.value, kvKey, req.log);
      }
    }
    if (record.published) {
      metrics.events.inc({ route: "/v1/leads", result: "duplicate" });
      return reply.status(202).send({ accepted: 0, duplicates: 1, ids: [record.event.id] });
    }
    const res = await publish("/v1/leads", [record.event], reply);
    await idempotency.put(kvKey, JSON.stringify({ ...record, published: true }));
    return res;
  });

  // Ad platforms: spend/click rows → ad.spend_reported with ids derived from the row content.
  app.post("/v1/ad-reports", { preHandler: authenticate }, async (req, reply) => {
    const principal = req.principal as ApiPrincipal;
    const parsed = AdReport.safeParse(req.body);
    if (!parsed.success) throw new HttpError(400, "VALIDATION", "validation failed", zodIssues(parsed.error));
    if (parsed.data.rows.length > config.maxEvents) {
      throw new HttpError(413, "TOO_MANY_EVENTS", `at most ${config.maxEvents} rows per request`);
    }
    const org = orgFor(principal, parsed.data.org_id);
    const built = adReportEvents(parsed.data, org);
    if (!built.ok) throw new HttpError(400, "VALIDATION", "validation failed", built.issues);
    return await publish("/v1/ad-reports", built.events, reply);
  });

  return app;
}

export async function startIntake(
  config: IntakeConfig,
  deps: { logger?: Logger } = {},
): Promise<IntakeHandle> {
  const logger = deps.logger ?? pino({ name: "cc-intake", level: config.logLevel });
  const nc = await connectNats(config.natsUrl, { name: "cc-intake" });
  try {
    const { jsm } = await jetStreamFor(nc);
    await ensureStreams(jsm, config.streams);
    const idempotency = await new Kvm(nc).create(IDEMPOTENCY_BUCKET, {
      history: 1,
      ttl: config.idempotencyTtlMs,
    });
    const app = await buildIntakeApp({ config, js: jetstream(nc), nc, idempotency, logger });
    await app.listen({ port: config.http.port, host: config.http.host });
    const port = (app.server.address() as AddressInfo).port;
    logger.info({ port }, "intake listening");
    return {
      port,
      app,
      stop: async () => {
        await app.close();
        await nc.drain().catch(() => undefined);
      },
    };
  } catch (err) {
    await nc.close();
    throw err;
  }
}
