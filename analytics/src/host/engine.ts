// The one owner of chDB in this process. Every HTTP request gets its own engine connection
// (chDB allows many connections to one data directory in one process). That mirrors
// ClickHouse's HTTP semantics, where each request is its own session: settings and query
// parameters set for one request never leak into another, and concurrent requests run in
// parallel on libuv worker threads. Opening a connection is synchronous on the event loop
// (~0.3 ms, the largest piece of the host's own time per request), so a few never-used
// connections are opened ahead, between requests, and each is still used by one request only;
// closing one is likewise left until the answer has gone out.
import { Session } from "chdb";

export interface EngineUser {
  readonly name: string;
  readonly role: "writer" | "analyst";
  /** Engine settings applied before anything the client asks for (the user's profile). */
  readonly profile: Readonly<Record<string, string>>;
  /** readonly=1 locks the profile: any later SET / SETTINGS / URL setting that changes a value fails. */
  readonly readonly: 0 | 1;
  /** An org analyst's org: every read is confined to it (access.ts). */
  readonly orgId?: string | undefined;
  /** The only tables this user may INSERT into (access.ts); undefined: any. */
  readonly insertTables?: ReadonlySet<string> | undefined;
}

export interface EngineRequest {
  readonly user: EngineUser;
  readonly sql: string;
  /** Output format when the query has no FORMAT clause. */
  readonly format: string;
  readonly database?: string | undefined;
  readonly params: Readonly<Record<string, string>>;
  readonly settings: Readonly<Record<string, string>>;
  /** HTTP GET requests are read-only (readonly=2 for users that are not read-only already). */
  readonly readOnlyRequest: boolean;
  /** The client's own text when `sql` was rewritten by the host (spooled INSERT data), for the access check. */
  readonly clientSql?: string | undefined;
}

export interface EngineResult {
  readonly bytes: Uint8Array;
  readonly rowsRead: number;
  readonly bytesRead: number;
  readonly elapsedSeconds: number;
}

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A query that starts (no leading comment) with SELECT or WITH: safe to run after the preamble in one call. */
const PLAIN_READ_RE = /^\s*(?:SELECT|WITH)\b/i;

export class EngineInputError extends Error {
  override name = "EngineInputError";
  readonly code = "BAD_ARGUMENTS";
}

/** A ClickHouse string literal: backslash and quote escaped, so the engine sees the raw value. */
export function sqlString(value: string): string {
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\0/g, "\\0")}'`;
}

function sqlIdentifier(name: string): string {
  return `\`${name.replace(/\\/g, "\\\\").replace(/`/g, "\\`")}\``;
}

function setStatement(name: string, value: string): string {
  if (!NAME_RE.test(name)) throw new EngineInputError(`invalid setting or parameter name '${name}'`);
  return `SET ${name} = ${sqlString(value)}`;
}

/**
 * The statements that prepare a request's connection, in an order that makes the engine
 * enforce the limits: database, query parameters, the user's profile, readonly, and only
 * then the client's settings — which readonly=1 rejects (READONLY, 164) unless they leave a
 * value unchanged, exactly as on a ClickHouse server.
 */
export function preamble(req: EngineRequest, access: readonly string[] = []): string[] {
  const stmts: string[] = [];
  if (req.database !== undefined && req.database !== "") stmts.push(`USE ${sqlIdentifier(req.database)}`);
  for (const [k, v] of Object.entries(req.params)) stmts.push(setStatement(`param_${k}`, v));
  for (const [k, v] of Object.entries(req.user.profile)) stmts.push(setStatement(k, v));
  stmts.push(...access); // an org analyst's table filters, locked by readonly below
  if (req.user.readonly === 1) stmts.push("SET readonly = 1");
  else if (req.readOnlyRequest) stmts.push("SET readonly = 2");
  for (const [k, v] of Object.entries(req.settings)) stmts.push(setStatement(k, v));
  return stmts;
}

/** access.ts: checks a request on its connection; returns statements for the preamble. */
export interface EngineAccess {
  readonly connectionArgs: readonly string[];
  prepare(session: Session, req: EngineRequest): Promise<string[]>;
}

export class Engine {
  readonly dataDir: string;
  readonly #access: EngineAccess | undefined;
  #root: Session | undefined;
  #inflight = new Set<Promise<unknown>>();
  readonly #spare: Session[] = [];
  #refill: NodeJS.Immediate | undefined;
  readonly #closing: Session[] = [];
  #closer: NodeJS.Immediate | undefined;
  /** Never-used connections kept open ahead of requests (each serves exactly one request). */
  readonly #spares: number;

  constructor(dataDir: string, access?: EngineAccess, spareConnections = 8) {
    this.dataDir = dataDir;
    this.#access = access;
    this.#spares = spareConnections;
  }

  /** A fresh connection: a spare one opened ahead if there is one, else opened now. */
  #fresh(): Session {
    const spare = this.#spare.pop();
    this.#scheduleRefill();
    return spare ?? new Session(this.dataDir);
  }

  /** Tops the spares up after the current I/O callbacks (off the request's own path). */
  #scheduleRefill(): void {
    if (this.#refill || !this.#root || this.#spare.length >= this.#spares) return;
    this.#refill = setImmediate(() => {
      this.#refill = undefined;
      if (!this.#root) return;
      // One per turn of the event loop, so a burst of requests is not held up by refills.
      if (this.#spare.length < this.#spares) this.#spare.push(new Session(this.dataDir));
      if (this.#spare.length < this.#spares) this.#scheduleRefill();
    });
  }

  /** Closes a request's connection once the answer is on its way. */
  #release(session: Session): void {
    this.#closing.push(session);
    this.#closer ??= setImmediate(() => {
      this.#closer = undefined;
      for (const s of this.#closing.splice(0)) s.close();
    });
  }

  /** Opens the data directory (takes the engine's lock on it) and checks it answers. */
  async open(): Promise<string> {
    // The first connection starts the engine: its config (access control) comes with it.
    const connectionArgs = this.#access?.connectionArgs;
    this.#root = connectionArgs?.length
      ? new Session(this.dataDir, { connectionArgs: [...connectionArgs] })
      : new Session(this.dataDir);
    const r = await this.#root.queryAsync("SELECT version()", { format: "TabSeparated" });
    this.#scheduleRefill();
    return r.text().trim();
  }

  get inflight(): number {
    return this.#inflight.size;
  }

  /** A connection that outlives one request: an HTTP session's (sessions.ts); the caller closes it. */
  openConnection(): Session {
    if (!this.#root) throw new Error("engine is not open");
    return new Session(this.dataDir);
  }

  /** Runs on `connection` (an HTTP session's) when given, else on a connection of its own. */
  async run(req: EngineRequest, connection?: Session): Promise<EngineResult> {
    if (!this.#root) throw new Error("engine is not open");
    const session = connection ?? this.#fresh();
    const work = (async () => {
      const stmts = preamble(req, this.#access ? await this.#access.prepare(session, req) : []);
      let sql = req.sql;
      if (stmts.length > 0 && PLAIN_READ_RE.test(sql)) {
        // One engine call instead of two (~0.5 ms less per request): the same statements
        // in the same order on the same connection, so readonly binds exactly as before.
        sql = `${stmts.join(";\n")};\n${sql}`;
      } else if (stmts.length > 0) {
        // INSERT data (and anything else) keeps its own call: inline rows are never parsed
        // as part of a multi-statement text.
        await session.queryAsync(stmts.join(";\n"), { format: "TabSeparated" });
      }
      const r = await session.queryAsync(sql, { format: req.format });
      return {
        bytes: r.bytes(),
        rowsRead: r.rowsRead,
        bytesRead: r.bytesRead,
        elapsedSeconds: r.elapsed,
      } satisfies EngineResult;
    })();
    this.#inflight.add(work);
    try {
      return await work;
    } finally {
      this.#inflight.delete(work);
      if (!connection) this.#release(session);
    }
  }

  /** Waits for running queries (bounded), then releases the data directory. */
  async close(graceMs = 10_000): Promise<void> {
    const pending = Promise.allSettled([...this.#inflight]);
    await Promise.race([pending, new Promise((r) => setTimeout(r, graceMs).unref())]);
    clearImmediate(this.#refill);
    clearImmediate(this.#closer);
    this.#refill = this.#closer = undefined;
    for (const s of [...this.#spare.splice(0), ...this.#closing.splice(0)]) s.close();
    this.#root?.close();
    this.#root = undefined;
    const { drainPending } = await import("chdb");
    await drainPending();
  }
}
