// The part of ClickHouse's HTTP interface that @clickhouse/client and curl use, served from
// the embedded engine. See analytics/README.md ("The embedded ClickHouse host").
import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import type { Logger } from "pino";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import {
  authenticateOrgAnalyst,
  migratorUsers,
  refresherUsers,
  WRITER_INSERT_TABLES,
  WRITER_WITHOUT_DDL,
} from "./access.ts";
import { requestDecoder, responseEncoding } from "./compression.ts";
import type { HostEnv } from "./config.ts";
import { type Engine, EngineInputError, type EngineUser } from "./engine.ts";
import { ClickHouseHttpError, fromEngineError } from "./errors.ts";
import { InsertSpool } from "./insert-spool.ts";
import { compressBlocks, decompressBlocks } from "./native-compression.ts";
import { nativeAtRevision } from "./native-revision.ts";
import { narrowProfile } from "./profile-limits.ts";
import { QueryResultCache } from "./query-cache.ts";
import { HostSessions, sessionLease } from "./sessions.ts";

/** URL parameters that belong to the HTTP layer, not to the engine's settings. */
const HTTP_LAYER_PARAMS = new Set([
  "query",
  "database",
  "default_format",
  "query_id",
  "user",
  "password",
  "quota_key",
  "session_id",
  "session_timeout",
  "session_check",
  "compress",
  "decompress",
  "buffer_size",
  "wait_end_of_query",
  "http_wait_end_of_query",
  "enable_http_compression",
  "http_zlib_compression_level",
  "send_progress_in_http_headers",
  "http_headers_progress_interval_ms",
  "http_response_buffer_size",
  "http_native_compression_disable_checksumming_on_decompress",
  "cancel_http_readonly_queries_on_client_close",
  "add_http_cors_header",
  "role",
  "stacktrace",
  "client_protocol_version", // clickhouse-go's Native revision; the engine has no such setting
]);

const NOT_SUPPORTED_PARAMS = ["role"] as const;

function contentTypeFor(format: string): string {
  const f = format.toLowerCase();
  if (f.startsWith("tabseparated") || f.startsWith("tsv")) return "text/tab-separated-values; charset=UTF-8";
  if (f.startsWith("csv")) return "text/csv; charset=UTF-8; header=absent";
  if (f.includes("eachrow")) return "application/x-ndjson; charset=UTF-8";
  if (f.startsWith("json")) return "application/json; charset=UTF-8";
  return "text/plain; charset=UTF-8";
}

// Only for the X-ClickHouse-Format header and the insert summary; the engine itself
// decides the real format from the query text.
const TRAILING_FORMAT_RE = /\bFORMAT\s+([A-Za-z][A-Za-z0-9_]*)\s*;?\s*$/i;
const LINE_FORMATS = new Set([
  "jsoneachrow",
  "jsoncompacteachrow",
  "jsonstringseachrow",
  "tabseparated",
  "tsv",
]);

interface Credentials {
  user: string;
  password: string;
}

function credentialsOf(req: IncomingMessage, url: URL): Credentials {
  const hUser = req.headers["x-clickhouse-user"];
  if (typeof hUser === "string") {
    const key = req.headers["x-clickhouse-key"];
    return { user: hUser, password: typeof key === "string" ? key : "" };
  }
  const auth = req.headers.authorization;
  if (typeof auth === "string" && auth.toLowerCase().startsWith("basic ")) {
    const decoded = Buffer.from(auth.slice(6).trim(), "base64").toString("utf8");
    const i = decoded.indexOf(":");
    return i < 0
      ? { user: decoded, password: "" }
      : { user: decoded.slice(0, i), password: decoded.slice(i + 1) };
  }
  return {
    user: url.searchParams.get("user") ?? "default",
    password: url.searchParams.get("password") ?? "",
  };
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === "string" && v !== "" ? v : undefined;
}

function digest(s: string): Buffer {
  return createHash("sha256").update(s).digest();
}

export interface HostUsers {
  authenticate(c: Credentials): EngineUser | undefined;
}

export function makeUsers(env: HostEnv): HostUsers {
  const analystProfile: Record<string, string> = {
    max_execution_time: String(env.CH_ANALYST_MAX_EXECUTION_TIME),
    max_result_rows: String(env.CH_ANALYST_MAX_RESULT_ROWS),
    max_result_bytes: String(env.CH_ANALYST_MAX_RESULT_BYTES),
    result_overflow_mode: "throw",
    max_rows_to_read: String(env.CH_ANALYST_MAX_ROWS_TO_READ),
    read_overflow_mode: "throw",
    max_memory_usage: String(env.CH_ANALYST_MAX_MEMORY_USAGE),
  };
  const writerProfile: Record<string, string> = {
    ...(env.CH_WRITER_MAX_EXECUTION_TIME > 0
      ? { max_execution_time: String(env.CH_WRITER_MAX_EXECUTION_TIME) }
      : {}),
    // With a migrator holding DDL, the services' writer only inserts and reads (access.ts).
    ...(env.CH_MIGRATOR_USER ? WRITER_WITHOUT_DDL : {}),
  };
  const users = [
    ...migratorUsers(env, digest),
    ...refresherUsers(env, digest),
    {
      secret: digest(env.CH_WRITER_PASSWORD),
      user: {
        name: env.CH_WRITER_USER,
        role: "writer",
        profile: writerProfile,
        readonly: 0,
        insertTables: env.CH_MIGRATOR_USER ? WRITER_INSERT_TABLES : undefined,
      } as EngineUser,
    },
    {
      secret: digest(env.CH_ANALYST_PASSWORD),
      user: {
        name: env.CH_ANALYST_USER,
        role: "analyst",
        profile: analystProfile,
        readonly: 1,
      } as EngineUser,
    },
  ];
  return {
    authenticate({ user, password }) {
      const candidate = digest(password);
      let found: EngineUser | undefined;
      for (const u of users) {
        // Compare every password in constant time so timing does not reveal user names.
        const ok = timingSafeEqual(u.secret, candidate);
        if (ok && u.user.name === user) found = u.user;
      }
      return found ?? authenticateOrgAnalyst(env.CH_ORG_ANALYST_SECRET, analystProfile, user, password);
    },
  };
}

class BodyTooLarge extends Error {
  override name = "BodyTooLarge";
  readonly code = "BODY_TOO_LARGE";
}

/** Reads the (possibly compressed) body, failing once the decompressed size exceeds `limit`. */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const decoder = requestDecoder(req.headers["content-encoding"], limit);
  const chunks: Buffer[] = [];
  let size = 0;
  const sink = async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) {
      size += chunk.length;
      if (size > limit) throw new BodyTooLarge(`request body larger than ${limit} bytes`);
      chunks.push(chunk);
    }
  };
  try {
    if (decoder) await pipeline(req, decoder, sink);
    else await pipeline(req, sink);
  } catch (err) {
    if (err instanceof ClickHouseHttpError) throw err; // the decoder's own (e.g. an lz4 bomb)
    if (err instanceof BodyTooLarge) {
      throw ClickHouseHttpError.of("QUERY_IS_TOO_LARGE", err.message, { cause: err, status: 413 });
    }
    if (decoder)
      throw ClickHouseHttpError.of(
        "CANNOT_DECOMPRESS",
        `cannot decompress request body: ${(err as Error).message}`,
        { cause: err, status: 400 },
      );
    throw err;
  }
  return Buffer.concat(chunks, size);
}

async function multipartFields(req: IncomingMessage, body: Buffer): Promise<Map<string, string>> {
  const request = new Request("http://host/", {
    method: "POST",
    headers: { "content-type": String(req.headers["content-type"]) },
    body,
  });
  const form = await request.formData();
  const fields = new Map<string, string>();
  for (const [k, v] of form.entries()) {
    if (typeof v !== "string") {
      throw ClickHouseHttpError.of(
        "NOT_IMPLEMENTED",
        "external data (file parts) is not supported by the embedded host",
      );
    }
    fields.set(k, v);
  }
  return fields;
}

export interface HostServerDeps {
  env: HostEnv;
  engine: Engine;
  logger: Logger;
  serverVersion: string;
}

export function createHostServer({ env, engine, logger, serverVersion }: HostServerDeps): {
  server: Server;
  registry: Registry;
  sessions: HostSessions;
  spool: InsertSpool;
} {
  const users = makeUsers(env);
  const sessions = new HostSessions(() => engine.openConnection(), {
    defaultTimeoutS: env.CH_SESSION_DEFAULT_TIMEOUT,
    maxTimeoutS: env.CH_MAX_SESSION_TIMEOUT,
    maxSessions: env.CH_MAX_SESSIONS,
  });
  const spool = new InsertSpool();
  const queryCache = new QueryResultCache({
    maxBytes: env.CH_QUERY_CACHE_BYTES,
    maxEntries: 4096,
    maxEntryBytes: 4 * 1024 * 1024,
  });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "ch_host_" });
  const queries = new Counter({
    name: "ch_host_queries_total",
    help: "Queries served, by user role, kind and outcome",
    labelNames: ["role", "kind", "outcome"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "ch_host_query_duration_seconds",
    help: "Wall time of a query in the engine",
    labelNames: ["role", "kind"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const insertBytes = new Counter({
    name: "ch_host_insert_body_bytes_total",
    help: "Decompressed INSERT body bytes received",
    registers: [registry],
  });
  new Gauge({
    name: "ch_host_inflight_queries",
    help: "Queries running in the engine",
    registers: [registry],
    collect() {
      this.set(engine.inflight);
    },
  });
  new Gauge({
    name: "ch_host_sessions",
    help: "Open HTTP sessions (session_id), each holding an engine connection",
    registers: [registry],
    collect() {
      this.set(sessions.size);
    },
  });
  const authFailures = new Counter({
    name: "ch_host_auth_failures_total",
    help: "Requests refused with AUTHENTICATION_FAILED",
    registers: [registry],
  });

  const sendError = (res: ServerResponse, queryId: string, error: ClickHouseHttpError, body = error.body) => {
    if (res.headersSent) {
      res.destroy(error);
      return;
    }
    res.writeHead(error.status, {
      "Content-Type": "text/plain; charset=UTF-8",
      "X-ClickHouse-Exception-Code": String(error.code),
      "X-ClickHouse-Query-Id": queryId,
      "X-ClickHouse-Server-Display-Name": "cc-embedded-clickhouse",
      "X-ClickHouse-Timezone": "UTC",
    });
    res.end(body);
  };

  const handleQuery = async (req: IncomingMessage, res: ServerResponse, url: URL, queryId: string) => {
    const creds = credentialsOf(req, url);
    const user = users.authenticate(creds);
    if (!user) {
      authFailures.inc();
      // Drain the body so keep-alive connections stay usable.
      req.resume();
      throw ClickHouseHttpError.of(
        "AUTHENTICATION_FAILED",
        `${creds.user}: Authentication failed: password is incorrect, or there is no user with such name`,
      );
    }
    for (const p of NOT_SUPPORTED_PARAMS) {
      if (url.searchParams.has(p)) {
        req.resume();
        throw ClickHouseHttpError.of(
          "NOT_IMPLEMENTED",
          `URL parameter '${p}' is not supported by the embedded host`,
        );
      }
    }
    const isPost = req.method === "POST";
    let body = isPost ? await readBody(req, env.CH_MAX_BODY_BYTES) : Buffer.alloc(0);
    // decompress=1: the body is in ClickHouse's compressed block format (inside any Content-Encoding).
    if (url.searchParams.get("decompress") === "1") body = decompressBlocks(body, env.CH_MAX_BODY_BYTES);
    if (!isPost) req.resume();

    const params: Record<string, string> = {};
    const settings: Record<string, string> = {};
    for (const [k, v] of url.searchParams) {
      if (k.startsWith("param_")) params[k.slice(6)] = v;
      else if (!HTTP_LAYER_PARAMS.has(k)) settings[k] = v;
    }

    let head = url.searchParams.get("query");
    let tail: Buffer = body;
    const contentType = String(req.headers["content-type"] ?? "");
    if (isPost && contentType.toLowerCase().startsWith("multipart/form-data")) {
      const fields = await multipartFields(req, body);
      tail = Buffer.alloc(0);
      for (const [k, v] of fields) {
        if (k === "query") head = head === null ? v : `${head}\n${v}`;
        else if (k.startsWith("param_")) params[k.slice(6)] = v;
      }
    }
    // ClickHouse concatenates the `query` parameter and the body (INSERT data follows the query).
    const headText = head ?? "";
    const tailText = tail.length > 0 ? tail.toString("utf8") : "";
    const sql = headText && tailText ? `${headText}\n${tailText}` : headText || tailText;
    if (sql.trim() === "") {
      if (!isPost && head === null) {
        res.writeHead(200, { "Content-Type": "text/plain; charset=UTF-8" });
        res.end("Ok.\n");
        return;
      }
      throw ClickHouseHttpError.of("SYNTAX_ERROR", "Empty query", { status: 400 });
    }
    const isInsert = /^\s*INSERT\b/i.test(headText || sql.slice(0, 64));
    const kind = isInsert ? "insert" : "query";
    if (isInsert) insertBytes.inc(tail.length);

    if (engine.inflight >= env.CH_MAX_CONCURRENT_QUERIES) {
      throw ClickHouseHttpError.of(
        "TOO_MANY_SIMULTANEOUS_QUERIES",
        `Too many simultaneous queries. Maximum: ${env.CH_MAX_CONCURRENT_QUERIES}`,
        { status: 503 },
      );
    }

    // ClickHouse also takes the default format and the database from headers (the JDBC driver uses them).
    const defaultFormat =
      url.searchParams.get("default_format") || headerValue(req, "x-clickhouse-format") || "TabSeparated";
    const explicitFormat = TRAILING_FORMAT_RE.exec(headText || sql.slice(-256))?.[1];
    const format = isInsert ? defaultFormat : (explicitFormat ?? defaultFormat);
    const lease = sessionLease(sessions, url.searchParams, user, req.method === "GET");
    // Binary INSERT data (Native, RowBinary, …) reaches the engine through a temp file.
    const spooled = isInsert
      ? await spool.prepare(headText, tail).catch((err: unknown) => {
          lease?.release();
          throw err;
        })
      : undefined;
    const endTimer = duration.startTimer({ role: user.role, kind });
    let result: Awaited<ReturnType<Engine["run"]>>;
    const database = url.searchParams.get("database") ?? headerValue(req, "x-clickhouse-database");
    const run = () =>
      engine.run(
        {
          // A read-only user may lower its own limits (clickhouse-go sends max_execution_time).
          ...narrowProfile(user, settings),
          sql: spooled?.sql ?? sql,
          clientSql: sql,
          format: defaultFormat,
          database,
          params,
          readOnlyRequest: req.method === "GET",
        },
        lease?.connection,
      );
    try {
      // A session's SET statements are invisible here: reads in a session are never cached.
      result = await (isInsert || lease
        ? run()
        : queryCache.through({ user: user.name, database, sql, format: defaultFormat, params, settings }, run)
      ).finally(() => {
        lease?.release();
        void spooled?.done();
      });
    } catch (err) {
      endTimer();
      if (err instanceof EngineInputError) {
        queries.inc({ role: user.role, kind, outcome: "error" });
        throw ClickHouseHttpError.of("BAD_ARGUMENTS", err.message, { cause: err });
      }
      if (err instanceof ClickHouseHttpError) {
        queries.inc({ role: user.role, kind, outcome: "error" });
        throw err; // the query cache's own refusal
      }
      const { error, body: errBody } = fromEngineError(err);
      // An INSERT with an empty body is a successful no-op over HTTP.
      if (isInsert && error.type === "NO_DATA_TO_INSERT" && tail.length === 0) {
        result = { bytes: new Uint8Array(0), rowsRead: 0, bytesRead: 0, elapsedSeconds: 0 };
      } else {
        queries.inc({ role: user.role, kind, outcome: "error" });
        logger.info(
          { queryId, user: user.name, code: error.code, type: error.type, status: error.status },
          "query failed",
        );
        sendError(res, queryId, error, errBody);
        return;
      }
    }
    endTimer();
    queries.inc({ role: user.role, kind, outcome: "ok" });

    let writtenRows = spooled ? result.rowsRead : 0;
    if (isInsert && explicitFormat && LINE_FORMATS.has(explicitFormat.toLowerCase())) {
      for (const line of tailText.split("\n")) if (line.trim() !== "") writtenRows++;
    }
    const summary = {
      read_rows: String(isInsert ? writtenRows : result.rowsRead),
      read_bytes: String(isInsert ? tail.length : result.bytesRead),
      written_rows: String(writtenRows),
      written_bytes: String(isInsert ? tail.length : 0),
      total_rows_to_read: "0",
      result_rows: String(isInsert ? 0 : result.rowsRead),
      result_bytes: String(result.bytes.byteLength),
      elapsed_ns: String(Math.round(result.elapsedSeconds * 1e9)),
    };
    const headers: Record<string, string> = {
      "Content-Type": contentTypeFor(format),
      "X-ClickHouse-Format": format,
      "X-ClickHouse-Query-Id": queryId,
      "X-ClickHouse-Summary": JSON.stringify(summary),
      "X-ClickHouse-Server-Display-Name": "cc-embedded-clickhouse",
      "X-ClickHouse-Timezone": "UTC",
      "X-ClickHouse-Server-Version": serverVersion,
    };
    const encoding = responseEncoding(req.headers["accept-encoding"], url.searchParams);
    let payload = Buffer.from(result.bytes.buffer, result.bytes.byteOffset, result.bytes.byteLength);
    // clickhouse-go over HTTP reads Native at its own protocol revision (client_protocol_version).
    const revision = Number(url.searchParams.get("client_protocol_version") ?? "0");
    if (revision > 0 && format.toLowerCase() === "native") payload = nativeAtRevision(payload, revision);
    // compress=1: ClickHouse's compressed blocks (the JDBC driver's default), then any HTTP encoding.
    if (url.searchParams.get("compress") === "1") {
      payload = compressBlocks(payload, url.searchParams.get("network_compression_method"));
    }
    if (encoding) {
      payload = await encoding.encode(payload);
      headers["Content-Encoding"] = encoding.name;
      headers.Vary = "Accept-Encoding";
    }
    headers["Content-Length"] = String(payload.length);
    res.writeHead(200, headers);
    res.end(payload);
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const queryId = url.searchParams.get("query_id") || randomUUID();
    try {
      if (url.pathname === "/ping" || url.pathname === "/health" || url.pathname === "/replicas_status") {
        req.resume();
        res.writeHead(200, { "Content-Type": "text/plain; charset=UTF-8" });
        res.end("Ok.\n");
        return;
      }
      if (url.pathname === "/metrics") {
        req.resume();
        if (!users.authenticate(credentialsOf(req, url))) {
          authFailures.inc();
          res.writeHead(401, {
            "WWW-Authenticate": 'Basic realm="clickhouse-host"',
            "Content-Type": "text/plain",
          });
          res.end("authentication required\n");
          return;
        }
        res.writeHead(200, { "Content-Type": registry.contentType });
        res.end(await registry.metrics());
        return;
      }
      if (url.pathname !== "/" && url.pathname !== "/query") {
        req.resume();
        res.writeHead(404, { "Content-Type": "text/plain; charset=UTF-8" });
        res.end(`There is no handle ${url.pathname}\n`);
        return;
      }
      if (req.method !== "GET" && req.method !== "POST") {
        req.resume();
        res.writeHead(405, { Allow: "GET, POST", "Content-Type": "text/plain; charset=UTF-8" });
        res.end("Method not allowed\n");
        return;
      }
      await handleQuery(req, res, url, queryId);
    } catch (err) {
      const error = err instanceof ClickHouseHttpError ? err : fromEngineError(err).error;
      if (!(err instanceof ClickHouseHttpError)) logger.error({ err, queryId }, "unexpected host error");
      sendError(res, queryId, error);
    }
  });
  server.requestTimeout = 0; // long analyst queries are bounded by max_execution_time instead
  server.keepAliveTimeout = 10_000;
  return { server, registry, sessions, spool };
}
