import { generatedHistoryIn } from "@cc/analytics";
import { clickhouse } from "#lib/server/clickhouse.ts";
import { log } from "#lib/server/log.ts";

/** Whether the viewed range includes the demo's generated history (the report then says so). */
export async function includesGeneratedHistory(org: string, range: { fromIso: string; toIso: string }) {
  try {
    return await generatedHistoryIn(clickhouse(), org, range.fromIso, range.toIso);
  } catch (err) {
    // The report itself still shows; only the note is missing (e.g. a schema before migration 100).
    log.warn({ err }, "could not tell whether the range includes generated demo history");
    return false;
  }
}
