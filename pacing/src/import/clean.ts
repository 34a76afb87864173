// Cleaning of imported values. Phone numbers as vendors' spreadsheets write them — full-width
// digits, spaces and dashes, +86 / 0086 / 86 prefixes, extensions — become E.164, or a clear
// reason why not. Mainland mobiles are exactly 11 digits (1[3-9]…); landlines need their area
// code; other countries go through libphonenumber's validation.
import { parsePhoneNumberFromString } from "libphonenumber-js";
import type { RejectCode } from "./types.ts";

export type PhoneKind = "mobile" | "landline" | "international";

export type CleanPhone =
  | { ok: true; e164: string; kind: PhoneKind }
  | { ok: false; code: RejectCode; reason: string };

const WIDE = /[\uFF01-\uFF5E\u3000]/;

/** Full-width ASCII (０-９, Ａ-Ｚ, ＋, －, （）…) and the ideographic space to their plain forms. */
export function halfWidth(s: string): string {
  if (!WIDE.test(s)) return s;
  return s
    .replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/\u3000/g, " ");
}

/** Anything cleanText would change (most cells have none of it: the fast path). */
const UNCLEAN = /^\s|\s$|\s\s|[^\S ]|[\p{Cc}\p{Cf}\uFF01-\uFF5E]/u;

/** Trimmed, half-width, inner whitespace runs collapsed, zero-width and control characters gone. */
export function cleanText(s: string): string {
  if (!UNCLEAN.test(s)) return s;
  return halfWidth(s)
    .replace(/\s+/g, " ")
    .replace(/[\p{Cc}\p{Cf}]/gu, "")
    .trim();
}

const EXTENSION = /(转|分机|ext\.?|x|#).*$/i;
const SEPARATORS = /[\s\-.()/\u00A0\u2010-\u2015\u2212]/g;
const MOBILE = /^1[3-9]\d{9}$/;

const reject = (code: RejectCode, reason: string): CleanPhone => ({ ok: false, code, reason });

/** A raw phone cell → E.164 and its kind, or why it cannot be dialed. */
export function cleanPhone(raw: string): CleanPhone {
  return plainMobile(raw) ?? cleanPhoneInFull(raw);
}

/**
 * Most cells of a Chinese list are a bare 11-digit mobile (1[3-9]…): answered without the six
 * regular expressions of the full path, with exactly its answer (a property test holds them equal).
 */
function plainMobile(raw: string): CleanPhone | undefined {
  if (raw.length !== 11 || raw.charCodeAt(0) !== 0x31) return undefined;
  const second = raw.charCodeAt(1);
  if (second < 0x33 || second > 0x39) return undefined;
  for (let i = 2; i < 11; i++) {
    const c = raw.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return undefined;
  }
  return { ok: true, e164: `+86${raw}`, kind: "mobile" };
}

/** cleanPhone without the fast path (exported for the test that holds both equal). */
export function cleanPhoneInFull(raw: string): CleanPhone {
  let s = halfWidth(raw).trim().replace(/^tel:/i, "").replace(EXTENSION, "").replace(SEPARATORS, "");
  if (s === "") return reject("phone_missing", "no phone number");
  if (!/^\+?\d+$/.test(s)) return reject("phone_bad_characters", "phone number has letters or symbols");
  let country: "CN" | "other" | undefined;
  if (s.startsWith("+86")) [country, s] = ["CN", s.slice(3)];
  else if (s.startsWith("0086")) [country, s] = ["CN", s.slice(4)];
  else if (s.startsWith("+")) [country, s] = ["other", s.slice(1)];
  else if (s.startsWith("00")) [country, s] = ["other", s.slice(2)];
  else if (s.length === 13 && /^861[3-9]/.test(s)) [country, s] = ["CN", s.slice(2)];
  if (country === "other") return international(s);
  return mainland(s, country === "CN");
}

/** A mainland number without its country code: mobile, landline with area code, 400/800. */
function mainland(national: string, hadCountryCode: boolean): CleanPhone {
  // Written after +86 the trunk 0 is dropped (+86 10 …, +86 21 …); a leading 0 after +86 is tolerated.
  if (/^1[3-9]/.test(national)) {
    if (national.length !== 11)
      return reject("mobile_length", `mainland mobile must have 11 digits, has ${national.length}`);
    return MOBILE.test(national)
      ? { ok: true, e164: `+86${national}`, kind: "mobile" }
      : reject("mobile_prefix", "not a mainland mobile prefix");
  }
  let trunk: string;
  if (national.startsWith("0")) trunk = national;
  else if (hadCountryCode && /^[1-9]/.test(national)) trunk = `0${national}`;
  else if (national.startsWith("1")) return reject("mobile_prefix", "not a mainland mobile prefix (1[3-9]…)");
  else if (/^(400|800)\d{7}$/.test(national)) trunk = national;
  else return reject("landline_no_area_code", "landline without area code (e.g. 010-, 021-, 0755-)");
  const p = parsePhoneNumberFromString(trunk, "CN");
  // "00…" after the trunk would be read as another country's number: a mainland cell never is.
  if (!p?.isValid() || p.countryCallingCode !== "86")
    return reject("phone_invalid", "not a valid mainland landline (area code + 7–8 digits)");
  // A mobile written with a trunk 0 (0138…) is still a mobile: hold it to the 11-digit rule.
  if (/^1[3-9]/.test(p.nationalNumber) && !MOBILE.test(p.nationalNumber))
    return reject("mobile_length", `mainland mobile must have 11 digits, has ${p.nationalNumber.length}`);
  return { ok: true, e164: p.number, kind: /^1[3-9]/.test(p.nationalNumber) ? "mobile" : "landline" };
}

function international(digits: string): CleanPhone {
  if (digits.startsWith("86")) return mainland(digits.slice(2), true);
  const p = parsePhoneNumberFromString(`+${digits}`);
  if (!p?.isValid()) {
    const where = p?.country ? ` for ${p.country}` : "";
    return reject("phone_invalid", `not a valid phone number${where}`);
  }
  return { ok: true, e164: p.number, kind: "international" };
}

/** Lowercased, spaces and punctuation gone: the comparable form of a name, company or address. */
export function comparable(s: string): string {
  const c = cleanText(s).toLowerCase();
  return NOT_COMPARED.test(c) ? c.replace(NOT_COMPARED_ALL, "") : c;
}

const NOT_COMPARED = /[\s\p{P}\p{S}]/u;
const NOT_COMPARED_ALL = /[\s\p{P}\p{S}]/gu;

const COMPANY_SUFFIX =
  /(股份有限公司|有限责任公司|有限公司|集团公司|集团|公司|co\.?ltd\.?|company|limited|ltd\.?|inc\.?|corp\.?|corporation|llc)$/;

/** Last characters of COMPANY_SUFFIX's forms once comparable() dropped punctuation. */
const SUFFIX_LAST = new Set(["司", "团", "d", "y", "c", "p", "n"]);

/** A company name without its legal form (有限公司, Co. Ltd, Inc…), so "X科技" and "X科技有限公司" meet. */
export function companyCore(s: string): string {
  let c = comparable(s);
  if (!SUFFIX_LAST.has(c.at(-1) ?? "")) return c; // most names end otherwise: no regex scan

  for (let i = 0; i < 2; i++) c = c.replace(COMPANY_SUFFIX, "");
  return c;
}
