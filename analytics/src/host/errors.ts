// ClickHouse-shaped errors for the HTTP interface: the body is `Code: N. DB::Exception: … (TYPE)`
// (what @clickhouse/client's parseError reads) and the status follows ClickHouse's own
// exceptionCodeToHTTPStatus (src/Server/HTTP/exceptionCodeToHTTPStatus.cpp), keyed by type.

const STATUS_BY_TYPE: Readonly<Record<string, number>> = {
  REQUIRED_PASSWORD: 401,
  UNKNOWN_USER: 403,
  WRONG_PASSWORD: 403,
  AUTHENTICATION_FAILED: 403,
  SET_NON_GRANTED_ROLE: 403,
  ACCESS_DENIED: 403,
  ...Object.fromEntries(
    [
      "BAD_ARGUMENTS",
      "CANNOT_COMPILE_REGEXP",
      "CANNOT_PARSE_TEXT",
      "CANNOT_PARSE_ESCAPE_SEQUENCE",
      "CANNOT_PARSE_QUOTED_STRING",
      "CANNOT_PARSE_DATE",
      "CANNOT_PARSE_DATETIME",
      "CANNOT_PARSE_NUMBER",
      "CANNOT_PARSE_DOMAIN_VALUE_FROM_STRING",
      "CANNOT_PARSE_IPV4",
      "CANNOT_PARSE_IPV6",
      "CANNOT_PARSE_INPUT_ASSERTION_FAILED",
      "CANNOT_PARSE_UUID",
      "DUPLICATE_COLUMN",
      "ILLEGAL_COLUMN",
      "UNKNOWN_ELEMENT_IN_AST",
      "UNKNOWN_TYPE_OF_AST_NODE",
      "THERE_IS_NO_COLUMN",
      "TOO_DEEP_AST",
      "TOO_BIG_AST",
      "UNEXPECTED_AST_STRUCTURE",
      "SYNTAX_ERROR",
      "INCORRECT_DATA",
      "TYPE_MISMATCH",
      "VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE",
    ].map((t) => [t, 400]),
  ),
  ...Object.fromEntries(
    [
      "UNKNOWN_TABLE",
      "UNKNOWN_FUNCTION",
      "UNKNOWN_IDENTIFIER",
      "UNKNOWN_TYPE",
      "UNKNOWN_STORAGE",
      "UNKNOWN_DATABASE",
      "UNKNOWN_SETTING",
      "UNKNOWN_DIRECTION_OF_SORTING",
      "UNKNOWN_AGGREGATE_FUNCTION",
      "UNKNOWN_FORMAT",
      "UNKNOWN_DATABASE_ENGINE",
      "UNKNOWN_TYPE_OF_QUERY",
      "UNKNOWN_ROLE",
    ].map((t) => [t, 404]),
  ),
  QUERY_IS_TOO_LARGE: 413,
  NOT_IMPLEMENTED: 501,
  SOCKET_TIMEOUT: 503,
  CANNOT_OPEN_FILE: 503,
  HTTP_LENGTH_REQUIRED: 411,
  TIMEOUT_EXCEEDED: 408,
  CANNOT_SCHEDULE_TASK: 503,
  UNSUPPORTED_MEDIA_TYPE: 415,
};

/** Codes the host raises itself (numbers as in ClickHouse's ErrorCodes.cpp). */
export const ErrorCodes = {
  SYNTAX_ERROR: 62,
  BAD_ARGUMENTS: 36,
  NOT_IMPLEMENTED: 48,
  TOO_MANY_SIMULTANEOUS_QUERIES: 202,
  QUERY_IS_TOO_LARGE: 229,
  CANNOT_DECOMPRESS: 271,
  LIMIT_EXCEEDED: 290,
  SESSION_NOT_FOUND: 372,
  SESSION_IS_LOCKED: 373,
  INVALID_SESSION_TIMEOUT: 374,
  AUTHENTICATION_FAILED: 516,
  UNSUPPORTED_MEDIA_TYPE: 779,
  QUERY_CACHE_USED_WITH_NONDETERMINISTIC_FUNCTIONS: 704,
  UNKNOWN_EXCEPTION: 1002,
} as const;

export type ErrorTypeName = keyof typeof ErrorCodes;

export function httpStatusForType(type: string): number {
  return STATUS_BY_TYPE[type] ?? 500;
}

/** An error in ClickHouse's shape: numeric code, type name, message. */
export class ClickHouseHttpError extends Error {
  override name = "ClickHouseHttpError";
  readonly code: number;
  readonly type: string;
  readonly status: number;

  constructor(code: number, type: string, message: string, options?: { cause?: unknown; status?: number }) {
    super(message, options);
    this.code = code;
    this.type = type;
    this.status = options?.status ?? httpStatusForType(type);
  }

  static of(type: ErrorTypeName, message: string, options?: { cause?: unknown; status?: number }) {
    return new ClickHouseHttpError(ErrorCodes[type], type, message, options);
  }

  /** Body text exactly as ClickHouse writes it. */
  get body(): string {
    return `Code: ${this.code}. DB::Exception: ${this.message}. (${this.type})\n`;
  }
}

// `Code: 60. DB::Exception: Unknown table … (UNKNOWN_TABLE)` possibly nested; the innermost
// code/type win, like @clickhouse/client's own parser.
const ENGINE_ERROR_RE = /Code: (\d+)\..*Exception: (.+?)\(([A-Z0-9_]*[A-Z]{3}[A-Z0-9_]*)\)/s;

/** Wraps whatever the engine threw into a ClickHouseHttpError keeping the engine's text. */
export function fromEngineError(err: unknown): { error: ClickHouseHttpError; body: string } {
  const text = err instanceof Error ? err.message : String(err);
  const match = ENGINE_ERROR_RE.exec(text);
  if (match) {
    const [, code, message, type] = match;
    const error = new ClickHouseHttpError(Number(code), type!, message!.trim().replace(/\.$/, ""), {
      cause: err,
    });
    const body = text.endsWith("\n") ? text : `${text}\n`;
    return { error, body };
  }
  const error = ClickHouseHttpError.of("UNKNOWN_EXCEPTION", text, { cause: err });
  return { error, body: error.body };
}
