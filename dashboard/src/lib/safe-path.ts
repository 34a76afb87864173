/**
 * A redirect target we follow only when it stays on this site: an absolute path ("/x…") that
 * no browser can read as another host ("//evil", "/\evil" — browsers treat "\" as "/"), with no
 * control characters (browsers drop tab/CR/LF, so "/\t/evil" would become "//evil"), and that
 * the URL parser resolves to the same origin. Anything else ("https://…", "javascript:…",
 * "evil", "") is refused.
 */
export function safeLocalPath(next: unknown): string | null {
  if (typeof next !== "string" || next.length === 0 || next.length > 500) return null;
  if (!next.startsWith("/") || next.startsWith("//")) return null;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\\\u0000-\u001f\u007f]/.test(next)) return null;
  const base = "http://same.invalid";
  let u: URL;
  try {
    u = new URL(next, base);
  } catch {
    return null;
  }
  return u.origin === base ? next : null;
}
