// Inbound routing for one org, validated with zod: which menu or queue each number (DID) reaches,
// IVR menus (prompt + DTMF digit → next step, timeouts and retries) and ACD queues by skill
// (overflow, announcements, call-back offer). From MEDIA_INBOUND (JSON) or MEDIA_INBOUND_FILE.
import { readFileSync } from "node:fs";
import { z } from "zod";

const Id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1–64 letters, digits, '_' or '-'");

export const InboundAction = z.discriminatedUnion("type", [
  z.object({ type: z.literal("menu"), menu: Id }),
  z.object({ type: z.literal("queue"), queue: Id }),
  /** Leave a message: the prompt, then up to max_s of the caller's audio into a WAV file. */
  z.object({
    type: z.literal("voicemail"),
    prompt: z.string().min(1).optional(),
    max_s: z.number().int().min(3).max(300).default(60),
  }),
  z.object({ type: z.literal("hangup"), prompt: z.string().min(1).optional() }),
]);
export type InboundAction = z.infer<typeof InboundAction>;

export const IvrMenu = z.object({
  /** WAV file (any rate; rtpengine resamples) played when the menu starts and on each retry. */
  prompt: z.string().min(1),
  options: z.record(z.string().regex(/^[0-9*#]$/, "a DTMF digit 0-9, * or #"), InboundAction),
  /** Seconds after the prompt ends to wait for a digit. */
  timeout_s: z.number().min(1).max(60).default(5),
  /** Times the prompt is played again after a timeout or a wrong digit. */
  retries: z.number().int().min(0).max(5).default(2),
  /** After the last retry. */
  on_timeout: InboundAction.default({ type: "hangup" }),
});
export type IvrMenu = z.infer<typeof IvrMenu>;

export const AcdQueue = z.object({
  /** Skill an agent needs to take this queue's calls (default: the queue's id). */
  skill: Id.optional(),
  /** After waiting this long, agents of another queue's skill may take the call too. */
  overflow: z.object({ after_s: z.number().min(0).max(3600), to: Id }).optional(),
  /** Offer a call-back (press 1) when the expected wait is at least this long. */
  callback: z
    .object({ offer_when_wait_s: z.number().min(0).max(7200), campaign_id: Id.optional() })
    .optional(),
  /** Position and expected wait are announced on entry and then this often. */
  announce_every_s: z.number().min(5).max(600).default(30),
  /** Longest a caller waits before hearing goodbye and being hung up on. */
  max_wait_s: z.number().min(5).max(7200).default(900),
  /** Average handle time until real calls have been measured (expected-wait estimate). */
  aht_s: z.number().min(5).max(7200).default(180),
});
export type AcdQueue = z.infer<typeof AcdQueue>;

export const InboundConfig = z
  .object({
    /** Number dialled (DID, digits as the carrier sends them, with or without +) → first step. */
    numbers: z.record(z.string().regex(/^\+?[0-9]{2,20}$/), InboundAction),
    menus: z.record(Id, IvrMenu).default({}),
    queues: z.record(Id, AcdQueue).default({}),
    /** How long a caller waits for their own agent (owner or last agent) before anyone may answer. */
    sticky_s: z.number().min(0).max(600).default(20),
    /** How long the last agent who spoke to a caller is remembered. */
    remember_agent_days: z.number().min(0).max(365).default(30),
    /** Language of the announcements (queue position, expected wait, call-back). */
    language: z.enum(["en", "zh"]).default("en"),
    /** Where generated announcement clips and voicemail files go. */
    data_dir: z.string().min(1).optional(),
    /** Country code for national caller ids (e.g. 13800138000 → +8613800138000). */
    country_code: z
      .string()
      .regex(/^[1-9][0-9]{0,2}$/)
      .default("86"),
  })
  .superRefine((c, ctx) => {
    const check = (a: InboundAction, path: (string | number)[]) => {
      if (a.type === "menu" && !c.menus[a.menu])
        ctx.addIssue({ code: "custom", path, message: `no menu "${a.menu}"` });
      if (a.type === "queue" && !c.queues[a.queue])
        ctx.addIssue({ code: "custom", path, message: `no queue "${a.queue}"` });
    };
    for (const [did, a] of Object.entries(c.numbers)) check(a, ["numbers", did]);
    for (const [id, m] of Object.entries(c.menus)) {
      for (const [d, a] of Object.entries(m.options)) check(a, ["menus", id, "options", d]);
      check(m.on_timeout, ["menus", id, "on_timeout"]);
    }
    for (const [id, q] of Object.entries(c.queues))
      if (q.overflow && !c.queues[q.overflow.to])
        ctx.addIssue({
          code: "custom",
          path: ["queues", id, "overflow", "to"],
          message: `no queue "${q.overflow.to}"`,
        });
  });
export type InboundConfig = z.infer<typeof InboundConfig>;
export type InboundConfigInput = z.input<typeof InboundConfig>;

/** Reads MEDIA_INBOUND (JSON) or MEDIA_INBOUND_FILE; null when neither is set (no inbound). */
export function loadInboundConfig(env: NodeJS.ProcessEnv = process.env): InboundConfig | null {
  const text =
    env.MEDIA_INBOUND ?? (env.MEDIA_INBOUND_FILE ? readFileSync(env.MEDIA_INBOUND_FILE, "utf8") : null);
  if (!text) return null;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`MEDIA_INBOUND is not JSON: ${(err as Error).message}`);
  }
  const r = InboundConfig.safeParse(json);
  if (!r.success)
    throw new Error(
      `MEDIA_INBOUND: ${r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`,
    );
  return r.data;
}

/** The skill a queue's agents need. */
export const skillOf = (queueId: string, q: AcdQueue): string => q.skill ?? queueId;
