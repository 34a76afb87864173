// The media service's settings, from the environment, validated with every problem named.
import { readFileSync } from "node:fs";
import { type CampaignConfig, parseCampaigns } from "@cc/pacing";
import { z } from "zod";
import { type TrunkConfig, TrunkList } from "../sip/trunks.ts";

const Port = z.coerce.number().int().min(1).max(65_535);

export const MediaEnv = z.object({
  NATS_URL: z.string().min(1),
  REDIS_URL: z.string().min(1),
  CC_ORG_ID: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .default("demo"),
  DRACHTIO_HOST: z.string().default("127.0.0.1"),
  DRACHTIO_PORT: Port,
  DRACHTIO_SECRET: z.string().min(1),
  RTPENGINE_HOST: z.string().default("127.0.0.1"),
  RTPENGINE_NG_PORT: Port,
  /** Address of the service's own RTP sockets, as rtpengine reaches them. */
  MEDIA_RTP_HOST: z.string().default("127.0.0.1"),
  MEDIA_INSTANCE: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/)
    .default("media-1"),
  /** Secret agents' SIP passwords derive from (shared with the dashboard). */
  MEDIA_SIP_SECRET: z.string().min(16, "MEDIA_SIP_SECRET must be at least 16 characters"),
  MEDIA_SIP_REALM: z.string().min(1).default("callcenter"),
  /** JSON list of trunks (see media/README.md). */
  MEDIA_TRUNKS: z.string().min(2),
  /** JSON list of campaigns (pacing's CampaignConfig). */
  CC_CAMPAIGNS: z.string().default("[]"),
  /** Known carrier announcements (JSON fingerprint database), for call progress analysis. */
  MEDIA_FINGERPRINTS: z.string().optional(),
  /** Abandon message (WAV) for campaigns that name none. */
  MEDIA_ABANDON_MESSAGE: z.string().optional(),
  /** Safety net on analysis after answer (raised above every campaign's longest AMD analysis). */
  MEDIA_MAX_DETECT_MS: z.coerce.number().int().min(1_000).max(30_000).default(5_000),
  MEDIA_HTTP_PORT: Port.default(9467),
  /** Where recordings are stored (recordings/<org>/<day>/); shared with the dashboard on one box. */
  CC_DATA_DIR: z.string().min(1).optional(),
  /** rtpengine's --recording-dir as this process sees it (its pcaps/ and metadata/). */
  MEDIA_RECORDING_SPOOL: z.string().min(1).optional(),
  /** Recording of bridged calls: on when the spool and the data dir are set, unless "off". */
  MEDIA_RECORDING: z.enum(["on", "off"]).default("on"),
  /** Days a recording is kept for this org; older ones are deleted by the hourly sweep. */
  MEDIA_RECORDING_RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).default(180),
  METRICS_API_KEY: z.string().min(16).optional(),
});

export interface MediaConfig {
  env: z.infer<typeof MediaEnv>;
  trunks: TrunkConfig[];
  campaigns: CampaignConfig[];
}

export class MediaConfigError extends Error {
  readonly code = "BAD_CONFIG";
  constructor(message: string) {
    super(message);
    this.name = "MediaConfigError";
  }
}

export function loadMediaConfig(source: NodeJS.ProcessEnv = process.env): MediaConfig {
  const r = MediaEnv.safeParse(source);
  if (!r.success) {
    throw new MediaConfigError(
      `bad configuration: ${r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  }
  let trunksJson: unknown;
  try {
    trunksJson = JSON.parse(r.data.MEDIA_TRUNKS);
  } catch (err) {
    throw new MediaConfigError(`MEDIA_TRUNKS is not JSON: ${(err as Error).message}`);
  }
  const trunks = TrunkList.safeParse(trunksJson);
  if (!trunks.success) {
    throw new MediaConfigError(
      `MEDIA_TRUNKS: ${trunks.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`,
    );
  }
  let campaigns: CampaignConfig[];
  try {
    campaigns = parseCampaigns(r.data.CC_CAMPAIGNS);
  } catch (err) {
    throw new MediaConfigError((err as Error).message);
  }
  if (r.data.MEDIA_FINGERPRINTS) readable(r.data.MEDIA_FINGERPRINTS, "MEDIA_FINGERPRINTS");
  if (r.data.MEDIA_ABANDON_MESSAGE) readable(r.data.MEDIA_ABANDON_MESSAGE, "MEDIA_ABANDON_MESSAGE");
  for (const c of campaigns) {
    if (c.abandon_message) readable(c.abandon_message, `campaign ${c.id} abandon_message`);
    if (c.voicemail_message) readable(c.voicemail_message, `campaign ${c.id} voicemail_message`);
  }
  return { env: r.data, trunks: trunks.data, campaigns };
}

function readable(file: string, what: string): void {
  try {
    readFileSync(file, { flag: "r" }).subarray(0, 1);
  } catch (err) {
    throw new MediaConfigError(`${what}: cannot read ${file} (${(err as NodeJS.ErrnoException).code})`);
  }
}
