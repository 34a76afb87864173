import type { z } from "zod";

/**
 * JSON we wrote ourselves and read back (Redis live state, idempotency records, journals) is
 * still a boundary: another version, a torn write or a hand edit can leave anything there.
 * Every such read goes through a schema; a bad value becomes a reason the caller logs, never
 * an untyped object.
 */
export type StoredJson<T> = { ok: true; value: T } | { ok: false; reason: string };

export function parseStoredJson<S extends z.ZodType>(schema: S, raw: string): StoredJson<z.infer<S>> {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    return { ok: false, reason: `not JSON: ${(err as Error).message}` };
  }
  const r = schema.safeParse(json);
  if (r.success) return { ok: true, value: r.data };
  const issues = r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
  return { ok: false, reason: issues.slice(0, 5).join("; ") };
}

export class StoredJsonError extends Error {
  override name = "StoredJsonError";
  readonly code = "STORED_JSON_INVALID";
  constructor(what: string, reason: string) {
    super(`${what} is invalid: ${reason}`);
  }
}
