// npm start's sample list: a vendor-style CSV of a few thousand leads (Chinese mobiles written
// every which way, a few foreign numbers, duplicates, bad rows and numbers on the DNC list, on
// purpose) imported into the demo campaign the way `npm run import` does, so a new user sees the
// import report and the campaign dialing from it. The mobiles are the simulated carrier's, so the
// calls are answered the way its lines answer. A restart imports the same file again: nothing new.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { connectNats, jetStreamFor } from "@cc/ingest";
import { leadImport } from "@cc/pacing";
import { createClient } from "redis";

export interface DemoListOptions {
  dataDir: string;
  orgId: string;
  campaignId: string;
  /** Behaviour → carrier numbers (E.164), as the demo carrier hands them out. */
  carrierNumbers: Record<string, string[]>;
  /** The importer identity's URLs. */
  natsUrl: string;
  redisUrl: string;
  /** A Redis URL that may write the DNC list (the admin), to list the sample's DNC numbers. */
  dncRedisUrl: string;
  /** The pacing service's /health: the list is imported once it listens for new leads. */
  pacingHealthUrl: string;
  log: { info(o: object, m?: string): void; warn(o: object, m?: string): void };
}

const ROWS = 3_000;

/** Share of the sample per carrier behaviour: mostly people who answer. */
const WEIGHTS: Record<string, number> = {
  human_zh: 0.4,
  human_en: 0.08,
  machine: 0.14,
  busy: 0.07,
  no_answer: 0.12,
  invalid_number: 0.05,
  powered_off: 0.06,
  suspended: 0.03,
  out_of_service_area: 0.03,
  sit: 0.02,
};

/** Mainland mobile (11 digits) of contact n: a carrier line's prefix and n as the item index. */
export function carrierMobileFor(numbers: Record<string, string[]>): (n: number) => string {
  const lines = Object.entries(WEIGHTS).flatMap(([b, w]) => {
    const first = numbers[b]?.[0];
    return first?.startsWith("+86") ? [{ prefix: first.slice(3, -4), w }] : [];
  });
  if (lines.length === 0) throw new Error("the demo carrier gave no mainland numbers");
  const total = lines.reduce((a, l) => a + l.w, 0);
  return (n) => {
    // Golden-ratio spread: behaviours interleave down the list, in the weights' proportions.
    let u = ((n * 0.618_033_988_75) % 1) * total;
    let line = lines[0]!;
    for (const l of lines) {
      line = l;
      u -= l.w;
      if (u <= 0) break;
    }
    return `${line.prefix}${String(n % 10_000).padStart(4, "0")}`;
  };
}

async function waitForPacing(url: string, ms = 300_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const ok = await fetch(url)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return;
    if (Date.now() > until) throw new Error(`pacing service not healthy at ${url}`);
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

export async function importDemoList(o: DemoListOptions): Promise<leadImport.ImportReport> {
  const dir = path.join(o.dataDir, "imports");
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, "demo-leads.csv");
  // Excel-style UTF-8 with BOM; the same seed gives the same file on every start.
  const sample = await leadImport.writeSampleCsv(file, {
    rows: ROWS,
    seed: "demo-list",
    messy: true,
    foreignShare: 0.03,
    encoding: "utf-8-bom",
    mobileFor: carrierMobileFor(o.carrierNumbers),
  });
  const admin = createClient({ url: o.dncRedisUrl });
  await admin.connect();
  try {
    const dnc = sample.dnc.flatMap((p) => {
      const c = leadImport.cleanPhone(p);
      return c.ok ? [c.e164] : [];
    });
    if (dnc.length) await admin.sAdd(`cc:dnc:${o.orgId}`, dnc);
  } finally {
    await admin.quit();
  }
  await waitForPacing(o.pacingHealthUrl);
  const nc = await connectNats(o.natsUrl, { name: "importer" });
  const redis = createClient({ url: o.redisUrl });
  await redis.connect();
  try {
    const report = await leadImport.runImport({
      source: file,
      orgId: o.orgId,
      campaignId: o.campaignId,
      listId: "demo-list",
      js: (await jetStreamFor(nc)).js,
      redis: redis as never,
      // The demo's leads gave written consent (China's profile dials consented leads only), and
      // the simulated carrier has mainland lines only.
      consent: { given: true, method: "written" },
      callingCodes: ["86"],
    });
    await writeFile(path.join(dir, "demo-report.json"), `${JSON.stringify(report, null, 2)}\n`);
    const c = report.counts;
    o.log.info(
      {
        file,
        imported: c.imported,
        rejected: c.rejected,
        duplicates: c.duplicates,
        dnc: c.dnc,
        rows_lost: c.rowsLost,
        missing_important: report.missingImportant.rows.length,
        report: path.join(dir, "demo-report.json"),
      },
      `demo list imported into ${o.campaignId}: ${c.rowsRead} rows → ${c.imported} leads (${c.rejected} rejected, ${c.duplicates} duplicates, ${c.dnc} on the DNC list)`,
    );
    return report;
  } finally {
    await nc.drain().catch(() => undefined);
    await redis.quit().catch(() => undefined);
  }
}
