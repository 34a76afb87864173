// The lead import wizard's server side: an upload streamed to a temp file (size-limited), its
// preview (headers, first rows, suggested mapping) from pacing's import engine, the import run as
// a job whose progress the page polls, the report (rejected rows as CSV too), and an optional
// trial dial of a sample of the campaign's imported numbers on the trial campaign (the campaign
// in CC_CAMPAIGNS with call_progress_only). Jobs live in this process's memory for an hour; the
// engine also keeps each report in Redis for a week.
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { knownCustomersByPhone } from "@cc/customers";
import { type CampaignConfig, leadImport, parseCampaigns, type TrialDialResult, trialDial } from "@cc/pacing";
import { jetstream } from "@nats-io/jetstream";
import { z } from "zod";
import { fileNameKey } from "./import-history.ts";
import { log } from "./log.ts";
import { nats } from "./nats.ts";
import { redis } from "./redis.ts";

type ImportReport = leadImport.ImportReport;
type ImportProgress = leadImport.ImportProgress;
type PreviewResult = leadImport.PreviewResult;

/** Largest upload accepted (IMPORT_MAX_MB, default 200 MB: about 2M rows of a vendor's CSV). */
export function maxUploadBytes(): number {
  const mb = z.coerce
    .number()
    .int()
    .positive()
    .max(4096)
    .safeParse(process.env.IMPORT_MAX_MB ?? 200);
  return (mb.success ? mb.data : 200) * 1024 * 1024;
}

const KEEP_MS = 3_600_000;
const EntityId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

export class UploadError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

interface Upload {
  id: string;
  org: string;
  user: string;
  dir: string;
  file: string;
  fileName: string;
  bytes: number;
  at: number;
}

export interface TrialState {
  state: "running" | "done" | "failed";
  done: number;
  total: number;
  result?: Omit<TrialDialResult, "event">;
  error?: string;
}

export interface ImportJob {
  id: string;
  org: string;
  user: string;
  campaignId: string;
  fileName: string;
  startedAt: number;
  state: "running" | "done" | "failed";
  progress: ImportProgress | null;
  report: ImportReport | null;
  error?: string;
  trial?: TrialState;
}

const uploads = new Map<string, Upload>();
const jobs = new Map<string, ImportJob>();

const newId = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${randomBytes(6).toString("hex")}`;

/** Forgets jobs and uploads older than an hour (their temp files go with them). */
function sweep(now = Date.now()): void {
  for (const [id, u] of uploads)
    if (now - u.at > KEEP_MS) {
      uploads.delete(id);
      void rm(u.dir, { recursive: true, force: true });
    }
  for (const [id, j] of jobs) if (j.state !== "running" && now - j.startedAt > KEEP_MS) jobs.delete(id);
}

function formatOf(fileName: string): "csv" | "xlsx" {
  const ext = path.extname(fileName).toLowerCase();
  if (ext === ".xlsx") return "xlsx";
  if (ext === ".csv" || ext === ".txt") return "csv";
  throw new UploadError(415, "only .csv, .txt and .xlsx files can be imported");
}

/** Streams a request body to a temp file, refusing more than the limit; then previews it. */
export async function receiveUpload(
  body: ReadableStream<Uint8Array> | null,
  fileName: string,
  who: { org: string; user: string },
): Promise<{ uploadId: string; fileName: string; bytes: number; preview: PreviewResult }> {
  sweep();
  if (!body) throw new UploadError(400, "empty upload");
  const name = path.basename(fileName).slice(0, 200) || "upload.csv";
  const format = formatOf(name);
  const limit = maxUploadBytes();
  const dir = await mkdtemp(path.join(tmpdir(), `cc-import-upload-${process.pid}-`));
  const file = path.join(dir, `upload.${format}`);
  let bytes = 0;
  const cap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > limit) done(new UploadError(413, `file larger than ${Math.round(limit / 1048576)} MB`));
      else done(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(body as never), cap, createWriteStream(file));
    if (bytes === 0) throw new UploadError(400, "empty upload");
    const preview = await leadImport.previewImport(file, { format, orgId: who.org });
    if (preview.headers.length === 0) throw new UploadError(422, "no header row found");
    const id = newId("upl");
    uploads.set(id, { id, ...who, dir, file, fileName: name, bytes, at: Date.now() });
    return { uploadId: id, fileName: name, bytes, preview };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    if (err instanceof UploadError) throw err;
    throw new UploadError(422, `the file could not be read: ${(err as Error).message}`);
  }
}

export const RunRequest = z.object({
  uploadId: z.string().min(1).max(80),
  campaignId: EntityId,
  mapping: leadImport.ColumnMapping,
  dryRun: z.boolean().default(false),
});

/** Starts the import of an upload as a job; the page polls `job(id)` for progress and the report. */
export async function startImport(
  req: z.infer<typeof RunRequest>,
  who: { org: string; user: string },
): Promise<string> {
  const u = uploads.get(req.uploadId);
  if (!u || u.org !== who.org) throw new UploadError(404, "upload not found (expired or another org's)");
  if (!req.mapping.phone) throw new UploadError(400, "map a column to the phone field");
  uploads.delete(u.id);
  const id = newId("imp");
  const job: ImportJob = {
    id,
    org: who.org,
    user: who.user,
    campaignId: req.campaignId,
    fileName: u.fileName,
    startedAt: Date.now(),
    state: "running",
    progress: null,
    report: null,
  };
  jobs.set(id, job);
  void runJob(job, u, req).finally(() => rm(u.dir, { recursive: true, force: true }));
  return id;
}

async function runJob(job: ImportJob, u: Upload, req: z.infer<typeof RunRequest>): Promise<void> {
  try {
    // The recent-imports table names the file (lead.import_completed carries no file name).
    if (!req.dryRun)
      await (await redis()).set(fileNameKey(job.org, job.id), job.fileName, { EX: 7 * 86_400 });
    job.report = await leadImport.runImport(
      {
        source: u.file,
        format: formatOf(u.fileName),
        mapping: req.mapping,
        orgId: job.org,
        campaignId: job.campaignId,
        importId: job.id,
        dryRun: req.dryRun,
        js: jetstream(await nats()),
        redis: (await redis()) as never,
        // Rows of existing customers merge into their records (report: match existing_customer).
        knownCustomers: knownCustomersByPhone((await redis()) as never),
      },
      (p) => {
        job.progress = { ...p };
      },
    );
    job.state = "done";
  } catch (err) {
    job.state = "failed";
    job.error = (err as Error).message;
    log.warn({ err, importId: job.id }, "lead import failed");
  }
}

export function jobFor(id: string, org: string): ImportJob | null {
  const j = jobs.get(id);
  return j && j.org === org ? j : null;
}

/** The configured campaigns (CC_CAMPAIGNS, as pacing and media read it); trial ones apart. */
export function campaigns(): { dialing: CampaignConfig[]; trial: CampaignConfig | null } {
  let all: CampaignConfig[] = [];
  try {
    all = parseCampaigns(process.env.CC_CAMPAIGNS ?? "[]");
  } catch (err) {
    log.warn(
      { err: (err as Error).message },
      "CC_CAMPAIGNS unreadable: no campaign list for the import wizard",
    );
  }
  return {
    dialing: all.filter((c) => !c.call_progress_only),
    trial: all.find((c) => c.call_progress_only) ?? null,
  };
}

export const TrialRequest = z.object({
  share: z.number().min(0.001).max(1).default(0.02),
  max: z.number().int().min(1).max(1000).default(200),
});

/** Trial-dials a sample of the job's campaign's imported numbers; progress lands in `job.trial`. */
export async function startTrial(job: ImportJob, req: z.infer<typeof TrialRequest>): Promise<void> {
  const trial = campaigns().trial;
  if (!trial) throw new UploadError(409, "no trial campaign configured (CC_CAMPAIGNS: call_progress_only)");
  if (job.state !== "done" || job.report?.dryRun) throw new UploadError(409, "the import has not finished");
  if (job.trial?.state === "running") throw new UploadError(409, "a trial dial is already running");
  const r = await redis();
  const key = leadImport.importKeys.phones(job.org, job.campaignId);
  const size = await r.sCard(key);
  const k = Math.min(size, req.max, Math.max(1, Math.round(size * req.share)));
  const phones = size > 0 ? await r.sRandMemberCount(key, k) : [];
  job.trial = { state: "running", done: 0, total: phones.length };
  const state = job.trial;
  const nc = await nats();
  void trialDial({
    js: jetstream(nc),
    nc,
    orgId: job.org,
    trialCampaign: trial,
    campaignId: job.campaignId,
    importId: job.id,
    by: job.user,
    numbers: phones.map((phone) => ({
      leadId: leadImport.importedLeadId(job.org, job.campaignId, phone),
      phone,
    })),
    listSize: size,
    share: 1,
    max: k,
    onProgress: (done, total) => {
      state.done = done;
      state.total = total;
    },
  })
    .then(({ event: _event, ...result }) => {
      state.result = result;
      state.state = "done";
    })
    .catch((err: Error) => {
      state.state = "failed";
      state.error = err.message;
      log.warn({ err, importId: job.id }, "trial dial failed");
    });
}
