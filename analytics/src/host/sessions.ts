// Named HTTP sessions (`session_id`), as ClickHouse's HTTP interface keeps them: a session is
// one engine connection kept between requests, so `SET x = y` and temporary tables persist in
// it; it belongs to the user that opened it (the key is user + id, so another user's request
// with the same id gets a session of its own and never sees this one); one request at a time
// (a concurrent one gets SESSION_IS_LOCKED, 373); closed after `session_timeout` seconds idle.
// Requests without session_id never come here and keep their per-request connection.
import type { Session } from "chdb";
import { ClickHouseHttpError } from "./errors.ts";

export interface SessionLimits {
  /** Idle seconds before a session closes when the request names no session_timeout (ClickHouse: 60). */
  readonly defaultTimeoutS: number;
  /** Largest session_timeout a client may ask for (ClickHouse's max_session_timeout: 3600). */
  readonly maxTimeoutS: number;
  /** Open sessions at most; one more gets LIMIT_EXCEEDED. */
  readonly maxSessions: number;
}

export interface SessionRequest {
  readonly user: string;
  readonly id: string;
  /** The raw session_timeout URL parameter, if any. */
  readonly timeout: string | null;
  /** session_check=1: the session must exist already. */
  readonly check: boolean;
}

interface NamedSession {
  readonly id: string;
  readonly connection: Session;
  busy: boolean;
  closeTimer: NodeJS.Timeout | undefined;
}

export interface SessionLease {
  readonly connection: Session;
  /** Gives the session back; it closes after `timeoutS` idle seconds. */
  release(): void;
}

const ID_RE = /^[\x21-\x7e]{1,256}$/;

/** session_timeout as ClickHouse parses it: an unsigned integer no larger than max_session_timeout. */
export function parseSessionTimeout(raw: string | null, limits: SessionLimits): number {
  if (raw === null) return limits.defaultTimeoutS;
  if (!/^\d{1,10}$/.test(raw)) {
    throw ClickHouseHttpError.of("INVALID_SESSION_TIMEOUT", `Invalid session timeout: '${raw}'`);
  }
  const timeout = Number(raw);
  if (timeout > limits.maxTimeoutS) {
    throw ClickHouseHttpError.of(
      "INVALID_SESSION_TIMEOUT",
      `Session timeout '${raw}' is larger than max_session_timeout: ${limits.maxTimeoutS}. Maximum session timeout could be modified in configuration file`,
    );
  }
  return timeout;
}

export class HostSessions {
  readonly #open: () => Session;
  readonly #limits: SessionLimits;
  readonly #sessions = new Map<string, NamedSession>();

  constructor(open: () => Session, limits: SessionLimits) {
    this.#open = open;
    this.#limits = limits;
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** Takes the named session for one request (creating it unless session_check=1). */
  acquire(req: SessionRequest): SessionLease {
    if (!ID_RE.test(req.id)) {
      throw ClickHouseHttpError.of("BAD_ARGUMENTS", "session_id must be 1 to 256 printable ASCII characters");
    }
    const timeoutS = parseSessionTimeout(req.timeout, this.#limits);
    const key = `${req.user}\u0000${req.id}`;
    let session = this.#sessions.get(key);
    if (!session) {
      if (req.check) throw ClickHouseHttpError.of("SESSION_NOT_FOUND", `Session ${req.id} not found`);
      if (this.#sessions.size >= this.#limits.maxSessions) {
        throw ClickHouseHttpError.of(
          "LIMIT_EXCEEDED",
          `Too many open sessions (${this.#limits.maxSessions}, CH_MAX_SESSIONS); close idle ones (session_timeout) or work without session_id`,
          { status: 503 },
        );
      }
      session = { id: req.id, connection: this.#open(), busy: false, closeTimer: undefined };
      this.#sessions.set(key, session);
    } else if (session.busy) {
      throw ClickHouseHttpError.of("SESSION_IS_LOCKED", `Session ${req.id} is locked by a concurrent client`);
    }
    session.busy = true;
    clearTimeout(session.closeTimer);
    const taken = session;
    let released = false;
    return {
      connection: taken.connection,
      release: () => {
        if (released) return;
        released = true;
        taken.busy = false;
        taken.closeTimer = setTimeout(() => this.#close(key, taken), timeoutS * 1000);
        taken.closeTimer.unref();
      },
    };
  }

  #close(key: string, session: NamedSession): void {
    if (session.busy || this.#sessions.get(key) !== session) return;
    this.#sessions.delete(key);
    session.connection.close();
  }

  /** Closes every idle session now (shutdown); busy ones close when their request ends. */
  closeAll(): void {
    for (const [key, session] of this.#sessions) {
      clearTimeout(session.closeTimer);
      if (!session.busy) this.#close(key, session);
      else session.closeTimer = undefined;
    }
  }
}

/**
 * The session a request names (session_id), or undefined. A GET request is read-only on
 * ClickHouse (readonly=2 for that query); the engine can only set that for the whole
 * connection, which would leave a writer's session read-only for good, so a user that may
 * write must send session requests with POST.
 */
export function sessionLease(
  sessions: HostSessions,
  params: URLSearchParams,
  user: { readonly name: string; readonly readonly: 0 | 1 },
  isGet: boolean,
): SessionLease | undefined {
  const id = params.get("session_id");
  if (id === null || id === "") return undefined;
  if (isGet && user.readonly !== 1) {
    throw ClickHouseHttpError.of(
      "NOT_IMPLEMENTED",
      "A GET request is read-only and cannot run in a session on the embedded host (it would make the whole session read-only); send it with POST",
    );
  }
  return sessions.acquire({
    user: user.name,
    id,
    timeout: params.get("session_timeout"),
    check: params.get("session_check") === "1",
  });
}
