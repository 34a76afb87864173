// npm run recordings -- <command>
//   export --since YYYY-MM-DD [--until YYYY-MM-DD] --to DIR [--org ORG] [--data-dir DIR]
//       copies the org's recordings of those days with a manifest of sha256 checksums (verified)
//   verify-export DIR            re-checks a backup against its manifest
//   check FILE --customer-hz N --agent-hz N [--sha256 HEX]
//       decodes a recording and checks each channel carries its side's tone
// The data dir defaults to CC_DATA_DIR, the org to CC_ORG_ID (as the media service uses them).
import { parseArgs } from "node:util";
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
    const m = await exportRecordings({ dataDir, orgId, since, until, to });
    const bytes = m.files.reduce((a, f) => a + f.bytes, 0);
    process.stdout.write(
      `${JSON.stringify({ org: orgId, since, until, files: m.files.length, bytes, to })}\n`,
    );
    return 0;
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

process.exitCode = await main(process.argv.slice(2));
