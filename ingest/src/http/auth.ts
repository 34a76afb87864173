import { createHash, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { EntityId } from "../contracts/index.ts";

/**
 * An API key for a machine caller. Store `sha256` (hex of the key) in config rather than the key
 * itself where you can; `org_id` binds every event sent with the key to that org.
 */
export const ApiKeyConfig = z
  .object({
    name: z.string().min(1).max(64),
    key: z.string().min(16, "API keys must be at least 16 characters").optional(),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/i, "must be 64 hex characters")
      .optional(),
    org_id: EntityId.optional(),
  })
  .refine((k) => (k.key === undefined) !== (k.sha256 === undefined), {
    message: "give exactly one of key or sha256",
  });
export type ApiKeyConfig = z.infer<typeof ApiKeyConfig>;

/** Env var holding a JSON array of ApiKeyConfig. */
export const ApiKeysJson = z
  .string()
  .transform((s, ctx) => {
    try {
      return JSON.parse(s) as unknown;
    } catch {
      ctx.addIssue({ code: "custom", message: "must be a JSON array of {name, key|sha256, org_id?}" });
      return z.NEVER;
    }
  })
  .pipe(z.array(ApiKeyConfig));

export interface ApiPrincipal {
  name: string;
  org_id: string | undefined;
}

function sha256(s: string): Buffer {
  return createHash("sha256").update(s, "utf8").digest();
}

export class ApiKeyRing {
  readonly #keys: { digest: Buffer; principal: ApiPrincipal }[];

  constructor(keys: readonly ApiKeyConfig[]) {
    this.#keys = keys.map((k) => ({
      digest: k.sha256 !== undefined ? Buffer.from(k.sha256, "hex") : sha256(k.key as string),
      principal: { name: k.name, org_id: k.org_id },
    }));
  }

  get size(): number {
    return this.#keys.length;
  }

  /** Compares digests in constant time and always walks every key, so timing reveals nothing. */
  verify(presented: string | undefined): ApiPrincipal | undefined {
    if (presented === undefined || presented.length === 0) return undefined;
    const d = sha256(presented);
    let found: ApiPrincipal | undefined;
    for (const k of this.#keys) {
      if (timingSafeEqual(d, k.digest) && found === undefined) found = k.principal;
    }
    return found;
  }
}

/** `Authorization: Bearer <key>` or `X-Api-Key: <key>`. */
export function presentedKey(headers: Record<string, string | string[] | undefined>): string | undefined {
  const auth = headers.authorization;
  if (typeof auth === "string") {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (m?.[1]) return m[1].trim();
  }
  const x = headers["x-api-key"];
  return typeof x === "string" ? x.trim() : undefined;
}
