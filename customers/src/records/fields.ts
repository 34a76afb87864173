// The org's classification fields: required ones refuse a save when empty, important ones are
// reminded all together (one list, not one prompt per field), general ones are free.
import type { FieldDef } from "./types.ts";

export interface FieldCheck {
  missingRequired: string[];
  missingImportant: string[];
}

const empty = (v: string | undefined) => v === undefined || v.trim() === "";

export function checkFields(defs: readonly FieldDef[], values: Readonly<Record<string, string>>): FieldCheck {
  const check: FieldCheck = { missingRequired: [], missingImportant: [] };
  for (const d of defs) {
    if (!empty(values[d.key])) continue;
    if (d.class === "required") check.missingRequired.push(d.key);
    else if (d.class === "important") check.missingImportant.push(d.key);
  }
  return check;
}

/** Values of keys the org does not define are dropped (a field set is configured, not free-form). */
export function knownFields(
  defs: readonly FieldDef[],
  values: Readonly<Record<string, string>>,
): Record<string, string> {
  const keys = new Set(defs.map((d) => d.key));
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) if (keys.has(k)) out[k] = v;
  return out;
}
