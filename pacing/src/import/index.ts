// Public API of the lead import (CSV / XLSX → cleaned, deduped, scrubbed `lead.created` events).
// Used by the CLI (cli.ts), the dashboard's import wizard and npm start's demo list. Stable shape:
//   previewImport(source, {format?, orgId}) → {headers, sampleRows, suggestedMapping, detectedEncoding, format}
//   runImport({source, format?, mapping?, orgId, campaignId, js, redis, fieldRules?, importId?, dryRun?},
//             onProgress) → ImportReport
// `source` is a file path or a Node Readable (an upload). See pacing/README.md "Import".
import { cleanText } from "./clean.ts";
import { suggestMapping } from "./mapping.ts";
import { openRows } from "./source.ts";
import type { ImportFormat, ImportSource, PreviewResult } from "./types.ts";

export { cleanPhone, cleanText, companyCore, halfWidth, type PhoneKind } from "./clean.ts";
export { ContactIndex, PhoneSet, similarity } from "./dedupe.ts";
export {
  type ConsentBasis,
  ImportError,
  importedLeadId,
  type RunImportOptions,
  runImport,
} from "./engine.ts";
export { parseMappingArg, resolveMapping, suggestMapping } from "./mapping.ts";
export { DEFAULT_FIELD_RULES, importKeys, loadFieldRules, saveFieldRules } from "./rules.ts";
export {
  generatedMobile,
  type RowTruth,
  SAMPLE_HEADERS,
  type SampleOptions,
  type SampleRow,
  sampleRows,
  type WrittenSample,
  writeSampleCsv,
  writeSampleXlsx,
} from "./sample.ts";
export * from "./types.ts";

const SAMPLE_ROWS = 20;

/** Headers, the first 20 rows and a suggested mapping — the wizard's preview step. Reads only the start. */
export async function previewImport(
  source: ImportSource,
  o: { format?: ImportFormat; orgId: string; encoding?: string },
): Promise<PreviewResult> {
  const reader = await openRows(source, {
    ...(o.format ? { format: o.format } : {}),
    ...(o.encoding ? { encoding: o.encoding } : {}),
  });
  let headers: string[] | undefined;
  const sampleRows: string[][] = [];
  try {
    for await (const batch of reader.batches) {
      for (const row of batch) {
        if (!headers) headers = row.cells.map(cleanText);
        else if (row.cells.some((c) => c.trim() !== "")) sampleRows.push(row.cells);
        if (sampleRows.length >= SAMPLE_ROWS) break;
      }
      if (sampleRows.length >= SAMPLE_ROWS) break;
    }
  } finally {
    reader.close();
  }
  const h = headers ?? [];
  return {
    headers: h,
    sampleRows,
    suggestedMapping: suggestMapping(h),
    detectedEncoding: reader.encoding,
    format: reader.format,
  };
}
