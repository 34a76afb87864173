// Carrier trunks: where INVITEs go, chosen by the longest matching number prefix (least-cost
// routing in its simplest form), with per-trunk credentials, number format, channel limit and
// call setups per second.
import { z } from "zod";

const SipUri = z
  .string()
  .regex(/^sips?:[^\s@]+$/, "must be a SIP URI of the trunk's host, e.g. sip:carrier.example:5060");

export const TrunkConfig = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "trunk ids are 1–64 of [A-Za-z0-9_-]"),
  /** Host part INVITEs are sent to, e.g. sip:127.0.0.1:5090 or sip:carrier.example;transport=tcp. */
  uri: SipUri,
  /** E.164 prefixes this trunk carries ("+86", "+86130"); empty = default route. */
  prefixes: z.array(z.string().regex(/^\+\d{0,14}$/, "prefixes are E.164 starts such as +86")).default([]),
  /** How the callee number is written in the request URI. */
  number_format: z.enum(["e164", "e164_no_plus", "national"]).default("e164"),
  /** Digits that replace the country code for national format (e.g. "0" for China). */
  national_prefix: z.string().regex(/^\d*$/).default("0"),
  auth: z.object({ username: z.string().min(1), password: z.string().min(1) }).optional(),
  /** Domain for the From header; the trunk host when absent. */
  from_domain: z.string().min(1).optional(),
  max_channels: z.number().int().positive().default(500),
  /** Call setups per second this trunk accepts. */
  cps: z.number().positive().default(50),
  /** Extra headers on every INVITE (e.g. a tech prefix or account tag). */
  headers: z.record(z.string(), z.string()).default({}),
});
export type TrunkConfig = z.infer<typeof TrunkConfig>;

export const TrunkList = z
  .array(TrunkConfig)
  .min(1, "at least one trunk is needed")
  .refine((ts) => new Set(ts.map((t) => t.id)).size === ts.length, "trunk ids must be unique");

export class TrunkError extends Error {
  readonly code: string;
  constructor(message: string, code: string) {
    super(message);
    this.name = "TrunkError";
    this.code = code;
  }
}

/** The trunk with the longest prefix matching the number; trunks without prefixes are the fallback. */
export function routeFor(trunks: readonly TrunkConfig[], e164: string): TrunkConfig {
  let best: TrunkConfig | undefined;
  let bestLen = -1;
  for (const t of trunks) {
    const lens = t.prefixes.length ? t.prefixes.filter((p) => e164.startsWith(p)).map((p) => p.length) : [0];
    for (const len of lens) {
      if (len > bestLen) {
        best = t;
        bestLen = len;
      }
    }
  }
  if (!best) throw new TrunkError(`no trunk carries ${e164}`, "NO_ROUTE");
  return best;
}

/** Country calling codes we format nationally; extend as trunks need them. */
const COUNTRY_CODES = ["86", "1", "44", "852", "853", "886", "65", "81", "82", "61", "49", "33"];

export function dialString(trunk: TrunkConfig, e164: string): string {
  const digits = e164.slice(1);
  if (trunk.number_format === "e164") return e164;
  if (trunk.number_format === "e164_no_plus") return digits;
  const cc = COUNTRY_CODES.filter((c) => digits.startsWith(c)).sort((a, b) => b.length - a.length)[0];
  if (!cc) return digits;
  const national = digits.slice(cc.length);
  // Chinese mobiles (1xx xxxx xxxx) are dialed without the trunk prefix.
  if (cc === "86" && /^1\d{10}$/.test(national)) return national;
  return `${trunk.national_prefix}${national}`;
}

/** Request URI for a callee on a trunk: the dial string as user part of the trunk's URI. */
export function requestUri(trunk: TrunkConfig, e164: string): string {
  const m = /^(sips?):(.+)$/.exec(trunk.uri);
  if (!m) throw new TrunkError(`bad trunk uri ${trunk.uri}`, "BAD_TRUNK");
  return `${m[1]}:${encodeURIComponent(dialString(trunk, e164)).replace(/%2B/g, "+")}@${m[2]}`;
}

/** Host (and port) of the trunk, for From domains. */
export function trunkHost(trunk: TrunkConfig): string {
  return trunk.uri.replace(/^sips?:/, "").replace(/;.*$/, "");
}

/**
 * Channels and call setups per second for one trunk. `acquire` waits for the CPS budget and
 * returns false when every channel is busy.
 */
export class TrunkGate {
  readonly trunk: TrunkConfig;
  #inUse = 0;
  #nextSlot = 0;

  constructor(trunk: TrunkConfig) {
    this.trunk = trunk;
  }

  get inUse(): number {
    return this.#inUse;
  }

  async acquire(now = performance.now()): Promise<boolean> {
    if (this.#inUse >= this.trunk.max_channels) return false;
    this.#inUse++;
    const gap = 1000 / this.trunk.cps;
    const slot = Math.max(now, this.#nextSlot);
    this.#nextSlot = slot + gap;
    if (slot > now) await new Promise((r) => setTimeout(r, slot - now));
    return true;
  }

  release(): void {
    this.#inUse = Math.max(0, this.#inUse - 1);
  }
}
