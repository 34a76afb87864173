/**
 * Splits a migration file into single statements (the HTTP interface runs one statement
 * per request). Understands '…' / "…" / `…` quoting with backslash escapes and doubled
 * quotes, -- and # line comments, and /* … *\/ block comments; statements that are only
 * comments are dropped.
 */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let current = "";
  let hasCode = false;
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === "-" && next === "-") {
      const end = sql.indexOf("\n", i);
      const stop = end < 0 ? n : end;
      current += sql.slice(i, stop);
      i = stop;
      continue;
    }
    if (c === "/" && next === "*") {
      const end = sql.indexOf("*/", i + 2);
      const stop = end < 0 ? n : end + 2;
      current += sql.slice(i, stop);
      i = stop;
      continue;
    }
    if (c === "'" || c === '"' || c === "`") {
      let j = i + 1;
      while (j < n) {
        const d = sql[j]!;
        if (d === "\\") {
          j += 2;
          continue;
        }
        if (d === c) {
          if (sql[j + 1] === c) {
            j += 2;
            continue;
          }
          break;
        }
        j++;
      }
      current += sql.slice(i, Math.min(j + 1, n));
      hasCode = true;
      i = j + 1;
      continue;
    }
    if (c === ";") {
      if (hasCode) out.push(current.trim());
      current = "";
      hasCode = false;
      i++;
      continue;
    }
    if (!/\s/.test(c)) hasCode = true;
    current += c;
    i++;
  }
  if (hasCode) out.push(current.trim());
  return out;
}
