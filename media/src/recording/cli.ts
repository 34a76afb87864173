// npm run recordings -- <command>
//   export --since YYYY-MM-DD [--until YYYY-MM-DD] --to DIR [--org ORG] [--data-dir DIR]
//       copies the org's recordings of those days with a manifest of sha256 checksums (verified)
//   verify-export DIR            re-checks a backup against its manifest
//   check FILE --customer-hz N --agent-hz N [--sha256 HEX]
//       decodes a recording and checks each channel carries its side's tone
// The data dir defaults to CC_DATA_DIR, the org to CC_ORG_ID (as the media service uses them).
// With CLICKHOUSE_URL (+ CLICKHOUSE_USER/CLICKHOUSE_PASSWORD) set, export also compares every file
// with the checksum recorded at the time (`recordings` table) and exits 1 listing any that differ.
import { parseArgs } from "node:util";
import { createClickHouse } from "@cc/analytics";
import { exportRecordings, verifyExport } from "./export.ts";
import { verifyRecording } from "./verify.ts";

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      since: { type: "string" },
      until: { type: "string" },
      to: { type: "string" },
      org: { type: "string" },
      "data-dir": { type: "string" },
      "customer-hz": { type: "string" },
      "agent-hz": { type: "string" },
      sha256: { type: "string" },
    },
  });
  if (command === "export") {
    const dataDir =
      values["data-dir"] ?? process.env.CC_DATA_DIR ?? fail("--data-dir or CC_DATA_DIR is needed");
    const orgId = values.org ?? process.env.CC_ORG_ID ?? "demo";
    const since = values.since ?? fail("--since YYYY-MM-DD is needed");
    const until = values.until ?? new Date().toISOString().slice(0, 10);
    if (!DAY.test(since) || !DAY.test(until)) fail("--since and --until are days, YYYY-MM-DD");
    const to = values.to ?? fail("--to DIR is needed");
    const recorded = await recordedChecksums(orgId, since, until);
    const m = await exportRecordings({ dataDir, orgId, since, until, to, ...(recorded ? { recorded } : {}) });
    const bytes = m.files.reduce((a, f) => a + f.bytes, 0);
    const summary = { org: orgId, since, until, files: m.files.length, bytes, to };
    process.stdout.write(
      `${JSON.stringify({ ...summary, checked_against_recorded: recorded !== null, mismatched: m.mismatched })}\n`,
    );
    return m.mismatched.length ? 1 : 0;
  }
  if (command === "verify-export") {
    const dir = positionals[0] ?? fail("verify-export DIR");
    const r = await verifyExport(dir);
    process.stdout.write(`${JSON.stringify(r)}\n`);
    return r.problems.length ? 1 : 0;
  }
  if (command === "check") {
    const file = positionals[0] ?? fail("check FILE --customer-hz N --agent-hz N");
    const r = await verifyRecording(file, {
      customerHz: Number(values["customer-hz"] ?? fail("--customer-hz is needed")),
      agentHz: Number(values["agent-hz"] ?? fail("--agent-hz is needed")),
      ...(values.sha256 ? { sha256: values.sha256 } : {}),
    });
    process.stdout.write(`${JSON.stringify(r)}\n`);
    return r.ok ? 0 : 1;
  }
  fail("usage: npm run recordings -- export|verify-export|check … (see media/src/recording/cli.ts)");
}

/** sha256 per relative path (stereo and mono) as stored at recording time, when ClickHouse is configured. */
async function recordedChecksums(
  orgId: string,
  since: string,
  until: string,
): Promise<Map<string, string> | null> {
  const url = process.env.CLICKHOUSE_URL;
  if (!url) return null;
  const ch = createClickHouse({
    url,
    username: process.env.CLICKHOUSE_USER ?? "default",
    password: process.env.CLICKHOUSE_PASSWORD ?? "",
  });
  try {
    const rs = await ch.query({
      query: `SELECT path, sha256, mono_path, mono_sha256 FROM recordings FINAL
        WHERE org_id = {org:String}
          AND started_at >= toDateTime64({since:String}, 3, 'UTC')
          AND started_at < toDateTime64({until:String}, 3, 'UTC') + INTERVAL 1 DAY`,
      query_params: { org: orgId, since, until },
      format: "JSONEachRow",
    });
    const out = new Map<string, string>();
    for (const r of await rs.json<{
      path: string;
      sha256: string;
      mono_path: string;
      mono_sha256: string;
    }>()) {
      out.set(r.path, r.sha256);
      if (r.mono_path) out.set(r.mono_path, r.mono_sha256);
    }
    return out;
  } finally {
    await ch.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
