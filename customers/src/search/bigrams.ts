// Text keys for fuzzy duplicate search on Chinese names and companies: character bigrams of the
// normalised text (Chinese has no spaces; bigrams are the usual n-gram unit for CJK indexes).
// Latin words contribute their own bigrams too, so "Acme Ltd" still matches "ACME".

/** NFKC, lower case, no spaces or punctuation; full-width forms fold to ASCII. */
export function normaliseText(s: string): string {
  return s
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[\s\p{P}\p{S}]+/gu, "");
}

/** Distinct character bigrams; a one-character text is its own key. */
export function bigrams(s: string): string[] {
  const chars = [...normaliseText(s)];
  if (chars.length === 0) return [];
  if (chars.length === 1) return [chars[0] as string];
  const out = new Set<string>();
  for (let i = 0; i + 1 < chars.length; i++) out.add(`${chars[i]}${chars[i + 1]}`);
  return [...out];
}

/** Exact key for the master-pool conflict check on name + company. */
export function nameCompanyKey(name: string, company: string): string {
  return `${normaliseText(name)}|${normaliseText(company)}`;
}
