import Papa from "papaparse";

/**
 * A spreadsheet runs a cell that starts with = + - @ TAB or CR as a formula (OWASP "CSV
 * injection"): such text cells get a leading apostrophe. Plain numbers, negative ones
 * included, stay numbers — they cannot call anything. Papaparse's own default pattern uses
 * `.*$` without the s flag, so "=cmd\n…" slipped through it; this one looks at the first
 * character only.
 */
export const FORMULA_START = /^(?![-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?$)[=+\-@\t\r]/;

type CsvInput = Record<string, unknown>[] | { fields: string[]; data: unknown[][] };

/** CSV text, UTF-8 with BOM so Excel on Chinese Windows opens it correctly; formula cells escaped. */
export function toCsv(input: CsvInput): string {
  return `\uFEFF${Papa.unparse(input as Papa.UnparseObject<unknown>, { escapeFormulae: FORMULA_START })}\r\n`;
}
