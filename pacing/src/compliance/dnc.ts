// Do-not-call / blacklist (黑名单, 谢绝来电). Numbers are normalised to E.164 so "+86 138-0013-8000"
// and "+8613800138000" are the same entry. Checked at dial time, every time.
import { parsePhoneNumberFromString } from "libphonenumber-js";

export function normalisePhone(raw: string, defaultCountry?: "CN" | "US" | "GB"): string | null {
  const p = parsePhoneNumberFromString(raw, defaultCountry);
  return p?.isPossible() ? p.number : null;
}

export class DncList {
  readonly #numbers = new Set<string>();
  constructor(numbers: Iterable<string> = []) {
    for (const n of numbers) this.add(n);
  }
  add(raw: string): void {
    this.#numbers.add(normalisePhone(raw) ?? raw);
  }
  remove(raw: string): void {
    this.#numbers.delete(normalisePhone(raw) ?? raw);
  }
  has(raw: string): boolean {
    return this.#numbers.has(normalisePhone(raw) ?? raw);
  }
  get size(): number {
    return this.#numbers.size;
  }
}
