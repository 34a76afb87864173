// Deterministic (seeded) labelled test corpus for call progress analysis and AMD, built from
// espeak-ng speech (Mandarin and English voices, several speeds, pitches and voice variants),
// synthesized tones and noise, resampled/band-limited by sox. Writes, per item:
//   wav/<name>.wav  8 kHz mono s16 WAV (what the evaluator reads)
//   ulaw/<name>.ul  raw μ-law, no header (SIPp 3.6.1 rtp_stream with payload type 0)
//   alaw/<name>.al  raw A-law, no header (SIPp rtp_stream default payload type 8)
// plus references/<id>.wav (the known carrier announcements), fingerprints.json (their database)
// and manifest.json.
//
//   node media/src/cpa/corpus/generate.ts --out DIR [--quick] [--seed S]

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type AnnouncementClass, buildFingerprintDb } from "../announcements.ts";
import { alawEncode, ulawEncode } from "../g711.ts";
import { FRAME_SAMPLES } from "../tones.ts";
import {
  addNoiseAtSnr,
  cadence,
  concat,
  gain,
  mixAt,
  msToSamples,
  music,
  type NoiseColour,
  noise,
  Rng,
  type Signal,
  type SpeechSpec,
  scaleToActiveRms,
  silence,
  speak,
  toInt16,
  tone,
  wavBytes,
} from "./audio.ts";

/** Expected outcome: an AMD detection after answer, or an early-media verdict ("none": no verdict). */
export type CorpusLabel =
  | "human"
  | "machine"
  | "fax"
  | "unknown"
  | "sit"
  | "busy"
  | "congestion"
  | "ringback"
  | `announcement:${AnnouncementClass}`
  | "none";

export interface CorpusItem {
  file: string;
  label: CorpusLabel;
  class: string;
  lang: "cmn" | "en" | "none";
  snrDb: number | null;
  notes: string;
  /** "early": played as early media before answer; "answered": after answer. */
  phase: "early" | "answered";
  ulaw: string;
  alaw: string;
  durationMs: number;
  /**
   * Where the known sounds are in the file (answered speech classes): the greeting(s), music, the
   * beep. Lets the evaluator measure how long after the end of a person's greeting the verdict came.
   */
  segments?: CorpusSegment[];
}

export interface CorpusSegment {
  kind: "speech" | "music" | "beep";
  startMs: number;
  endMs: number;
}

export interface CorpusReference {
  id: string;
  class: AnnouncementClass;
  file: string;
  notes: string;
}

export interface CorpusManifest {
  seed: string;
  quick: boolean;
  sampleRate: 8000;
  items: CorpusItem[];
  references: CorpusReference[];
  fingerprints: string;
}

export interface GenerateOptions {
  outDir: string;
  quick?: boolean;
  seed?: string;
  /** Only generate classes whose name starts with one of these (tests use it to stay fast). */
  only?: string[];
  /** Scale of the full corpus counts (1 = full); --quick uses about 1/8. */
  scale?: number;
}

// ---------------------------------------------------------------------------------------------
// Texts and voices.

const CMN_VOICES = ["cmn", "cmn+f2", "cmn+f3", "cmn+m3", "cmn+f4", "cmn+m2", "cmn+f1", "cmn+m4"];
const EN_VOICES = [
  "en-us",
  "en-gb",
  "en-us+f3",
  "en-gb+m3",
  "en-us+f2",
  "en-us+m2",
  "en-gb-x-rp+f4",
  "en-gb-scotland",
];

const HUMAN_SHORT = {
  cmn: ["喂？", "喂", "你好", "喂，你好", "哪位？", "嗯，喂？", "你好，哪位", "喂，说吧"],
  en: ["hello?", "hello", "yes, speaking", "hi", "yeah?", "hello, who's this?", "yes?", "speaking"],
};
const HUMAN_LONG = {
  cmn: [
    "喂，你好，请问哪位？",
    "喂，你好，请问您找谁？",
    "你好，我是王先生，请问有什么事？",
    "喂，哪位呀？有什么事吗？",
  ],
  en: [
    "Hello, this is John speaking, who is this?",
    "Hi, this is Sarah, how can I help you?",
    "Hello? Yes, this is Mike. Who's calling?",
    "Good afternoon, Smith residence.",
  ],
};
const MACHINE = {
  cmn: [
    "您好，我现在不方便接听电话。请在提示音后留言，我会尽快给您回电。谢谢。",
    "您好，这里是王先生的语音信箱。我现在无法接听您的电话，请在嘀声后留下您的姓名和电话号码，我会尽快回复您。",
    "你好，我是李娜。现在不方便接电话，有事请留言。",
    "您好，欢迎致电。您所拨打的用户暂时无法接听，请在提示音后录制留言，录音结束后请挂机。",
    "喂，你好，我现在正在开会，不方便接听电话，请稍后再打，或者在嘀声之后给我留言，谢谢。",
    "您好，您已进入小秘书语音信箱服务，机主暂时无法接听您的来电，请在提示音后留言。",
  ],
  en: [
    "Hi, you have reached Mary. I can't take your call right now. Please leave a message after the beep.",
    "Hello, you've reached the voicemail of John Smith. I'm either on the other line or away from my desk. Please leave your name, number and a brief message, and I'll get back to you as soon as possible.",
    "Hi, this is David. Sorry I missed your call. Leave a message and I will call you back.",
    "The person you are calling is not available. Please record your message after the tone. When you are finished, hang up or press pound for more options.",
    "Thank you for calling. Nobody is available to take your call at the moment. Please leave a message after the tone.",
    "Hey, it's Jenny. I'm not around right now, so leave me a message and I'll call you back later. Thanks!",
  ],
};
const ANNOUNCEMENTS: Record<AnnouncementClass, { cmn: string; en: string }> = {
  "invalid-number": {
    cmn: "您好，您拨打的号码是空号，请查证后再拨。",
    en: "Sorry, the number you dialed does not exist, please check it and dial again.",
  },
  "powered-off": { cmn: "您好，您拨打的电话已关机。", en: "Sorry, the subscriber you dialed is power off." },
  suspended: { cmn: "您好，您拨打的电话已停机。", en: "Sorry, the number you dialed has been suspended." },
  "out-of-service-area": {
    cmn: "您好，您拨打的用户暂时无法接通，请稍后再拨。",
    en: "Sorry, the subscriber you dialed cannot be connected for the moment, please redial later.",
  },
  busy: {
    cmn: "您好，您拨打的电话正在通话中，请稍后再拨。",
    en: "Sorry, the subscriber you dialed is busy now, please redial later.",
  },
};
/** Carriers' announcement voices: the known ones (in the database) and one that is not. */
const CARRIERS = [
  {
    id: "carrierA",
    cmn: { voice: "cmn", speed: 160, pitch: 50 },
    en: { voice: "en-us", speed: 160, pitch: 50 },
  },
  {
    id: "carrierB",
    cmn: { voice: "cmn+f2", speed: 170, pitch: 60 },
    en: { voice: "en-gb+f2", speed: 155, pitch: 55 },
  },
  { id: "carrierC", cmn: { voice: "cmn+f4", speed: 150, pitch: 45 }, en: null },
] as const;
const UNKNOWN_CARRIER = {
  id: "carrierX",
  cmn: { voice: "cmn+m3", speed: 175, pitch: 40 },
  en: { voice: "en-us+m3", speed: 170, pitch: 40 },
};

type Lang = "cmn" | "en";

// ---------------------------------------------------------------------------------------------
// Recipes.

interface Made {
  signal: Signal;
  notes: string;
  segments?: CorpusSegment[];
  /** Overrides the recipe's label (an unknown announcement after ringback expects "ringback"). */
  label?: CorpusLabel;
}
interface Recipe {
  class: string;
  label: CorpusLabel;
  phase: "early" | "answered";
  lang: Lang | "none";
  count: number;
  make: (rng: Rng, i: number) => Made;
  snrDb?: number;
  /** Distinguishes file names of recipes that share a class (announcements per reference). */
  tag?: string;
}

/** Low line noise so "silence" is never digital zero (it never is on a real call). */
function lineNoise(rng: Rng, ms: number): Signal {
  return noise(rng, "pink", ms, rng.uniform(-68, -58));
}

function onLine(rng: Rng, s: Signal): Signal {
  return mixAt(s, lineNoise(rng, (s.length * 1000) / 8000));
}

/** Concatenates parts and remembers where the labelled ones are. */
class Timeline {
  readonly segments: CorpusSegment[] = [];
  #parts: Signal[] = [];
  #samples = 0;
  add(s: Signal, kind?: CorpusSegment["kind"]): this {
    if (kind && s.length > 0) this.mark(kind, 0, s.length);
    this.#parts.push(s);
    this.#samples += s.length;
    return this;
  }
  /** Marks a segment relative to the current end (samples), e.g. a music bed under the next part. */
  mark(kind: CorpusSegment["kind"], from: number, length: number): this {
    const ms = (n: number) => Math.round(((this.#samples + n) * 1000) / 8000);
    this.segments.push({ kind, startMs: ms(from), endMs: ms(from + length) });
    return this;
  }
  signal(): Signal {
    return concat(...this.#parts);
  }
}

function speech(
  rng: Rng,
  lang: Lang,
  text: string,
  speed: [number, number],
  levelDb = rng.uniform(-26, -16),
): Made {
  const voices = lang === "cmn" ? CMN_VOICES : EN_VOICES;
  const spec: SpeechSpec = {
    text,
    voice: rng.pick(voices),
    speed: rng.int(speed[0], speed[1] + 1),
    pitch: rng.int(25, 75),
  };
  return {
    signal: scaleToActiveRms(speak(spec), levelDb),
    notes: `${spec.voice} ${spec.speed}wpm p${spec.pitch} "${text}"`,
  };
}

function humanShort(lang: Lang) {
  return (rng: Rng): Made => {
    const initial = rng.uniform(200, 1000);
    // espeak's Mandarin is ~30 % slower than conversational speech at the same wpm setting.
    const s = speech(rng, lang, rng.pick(HUMAN_SHORT[lang]), lang === "cmn" ? [220, 300] : [150, 200]);
    const wait = rng.uniform(1800, 2600);
    // A third of the people say it again when nobody answers.
    const again =
      rng.next() < 0.33
        ? speech(rng, lang, lang === "cmn" ? "喂？" : "hello?", [170, 220]).signal
        : silence(0);
    const tl = new Timeline()
      .add(silence(initial))
      .add(s.signal, "speech")
      .add(silence(wait))
      .add(again, "speech")
      .add(silence(1500));
    return {
      signal: onLine(rng, tl.signal()),
      notes: `initial ${initial.toFixed(0)} ms; ${s.notes}`,
      segments: tl.segments,
    };
  };
}

function humanLong(lang: Lang) {
  return (rng: Rng): Made => {
    const initial = rng.uniform(200, 1000);
    const s = speech(rng, lang, rng.pick(HUMAN_LONG[lang]), lang === "cmn" ? [260, 320] : [170, 210]);
    const tl = new Timeline().add(silence(initial)).add(s.signal, "speech").add(silence(3500));
    return {
      signal: onLine(rng, tl.signal()),
      notes: `initial ${initial.toFixed(0)} ms; ${s.notes}`,
      segments: tl.segments,
    };
  };
}

type MachineKind = "plain" | "beep" | "music";

function machine(lang: Lang, kind: MachineKind) {
  return (rng: Rng): Made => {
    const initial = rng.uniform(100, 800);
    const s = speech(rng, lang, rng.pick(MACHINE[lang]), lang === "cmn" ? [150, 200] : [140, 180]);
    const tl = new Timeline().add(silence(initial));
    let notes = `initial ${initial.toFixed(0)} ms; ${s.notes}`;
    if (kind === "music") {
      const introMs = rng.next() < 0.5 ? rng.uniform(1000, 3000) : 0;
      const bedDb = rng.uniform(-40, -32);
      const intro = introMs > 0 ? music(rng, introMs, rng.uniform(-26, -20)) : silence(0);
      const bed = music(rng, (s.signal.length * 1000) / 8000, bedDb);
      tl.add(intro, "music").mark("music", 0, bed.length).add(mixAt(s.signal, bed), "speech");
      notes += `; music intro ${introMs.toFixed(0)} ms, bed ${bedDb.toFixed(0)} dBov`;
    } else {
      tl.add(s.signal, "speech");
    }
    const tailMs = rng.uniform(1000, 2000); // drawn first, as before: the corpus stays the same
    if (kind === "beep" || (kind === "music" && rng.next() < 0.5)) {
      const hz = rng.pick([440, 800, 850, 1000, 1400, 1800]);
      const ms = rng.uniform(150, 900);
      const gap = rng.uniform(300, 800);
      tl.add(silence(gap))
        .add(tone({ hz: [hz], levelDb: rng.uniform(-24, -14) }, ms), "beep")
        .add(silence(1500));
      notes += `; beep ${hz} Hz ${ms.toFixed(0)} ms after ${gap.toFixed(0)} ms`;
    } else {
      tl.add(silence(tailMs));
    }
    return { signal: onLine(rng, tl.signal()), notes, segments: tl.segments };
  };
}

function noisy(base: (rng: Rng) => Made, snrDb: number) {
  return (rng: Rng): Made => {
    const made = base(rng);
    // Half pink, a quarter white, a quarter brown (low-frequency rumble: wind and traffic on
    // mobiles): the noisy classes cover all three colours (before: 70 % pink, 30 % white).
    const draw = rng.next();
    const colour: NoiseColour = draw < 0.5 ? "pink" : draw < 0.75 ? "white" : "brown";
    return {
      ...made,
      signal: addNoiseAtSnr(rng, made.signal, snrDb, colour),
      notes: `${made.notes}; ${colour} noise ${snrDb} dB SNR`,
    };
  };
}

const detune = (rng: Rng, hz: number) => hz * rng.uniform(0.995, 1.005);

function toneCadence(hz: number[], pattern: number[], totalMs: number) {
  return (rng: Rng): Made => {
    const level = rng.uniform(-30, -14);
    const offset = rng.uniform(
      0,
      pattern.reduce((a, b) => a + b, 0),
    );
    const sig = cadence(
      { hz: hz.map((h) => detune(rng, h)), levelDb: level - 3 * (hz.length - 1) },
      pattern,
      totalMs,
      offset,
    );
    return {
      signal: onLine(rng, sig),
      notes: `${hz.join("+")} Hz ${pattern.join("/")} ms, ${level.toFixed(0)} dBov, start ${offset.toFixed(0)} ms into the cycle`,
    };
  };
}

const SIT_VARIANTS: { code: string; hz: [number, number, number]; ms: [number, number, number] }[] = [
  { code: "IC", hz: [913.8, 1370.6, 1776.7], ms: [274, 274, 380] },
  { code: "NC", hz: [913.8, 1370.6, 1776.7], ms: [380, 380, 380] },
  { code: "VC", hz: [985.2, 1370.6, 1776.7], ms: [380, 274, 380] },
  { code: "RO", hz: [985.2, 1370.6, 1776.7], ms: [274, 380, 380] },
  { code: "ITU", hz: [950, 1400, 1800], ms: [330, 330, 330] },
];

function sitWithAnnouncement(rng: Rng, i: number): Made {
  const v = SIT_VARIANTS[i % SIT_VARIANTS.length]!;
  const level = rng.uniform(-26, -16);
  const sit = concat(...v.hz.map((hz, k) => tone({ hz: [hz], levelDb: level }, v.ms[k]!)));
  const lang: Lang = rng.next() < 0.5 ? "en" : "cmn";
  const text =
    lang === "en"
      ? rng.pick([
          "We're sorry, your call cannot be completed as dialed. Please check the number and dial again.",
          "The number you have reached is not in service.",
        ])
      : "对不起，您拨打的号码不存在，请查证后再拨。";
  const ann = speech(rng, lang, text, [150, 170], level + 2);
  const lead = rng.uniform(0, 1500);
  return {
    signal: onLine(rng, concat(silence(lead), sit, silence(rng.uniform(50, 300)), ann.signal, silence(500))),
    notes: `SIT ${v.code} after ${lead.toFixed(0)} ms; ${ann.notes}`,
  };
}

function fsk(rng: Rng, ms: number, level: number): Signal {
  // V.21 channel 2 HDLC flags stand-in: 300 baud FSK between 1650 and 1850 Hz.
  const n = msToSamples(ms);
  const out = new Float64Array(n);
  let phase = 0;
  let hz = 1650;
  for (let i = 0; i < n; i++) {
    if (i % Math.round(8000 / 300) === 0) hz = rng.next() < 0.5 ? 1650 : 1850;
    phase += (2 * Math.PI * hz) / 8000;
    out[i] = 32768 * 10 ** (level / 20) * Math.sin(phase);
  }
  return out;
}

function faxCng(rng: Rng): Made {
  const level = rng.uniform(-24, -12);
  const lead = rng.uniform(100, 600);
  const sig = concat(silence(lead), cadence({ hz: [detune(rng, 1100)], levelDb: level }, [500, 3000], 8000));
  return { signal: onLine(rng, sig), notes: `CNG ${level.toFixed(0)} dBov after ${lead.toFixed(0)} ms` };
}
function faxCed(rng: Rng): Made {
  const level = rng.uniform(-22, -10);
  const lead = rng.uniform(200, 600);
  const sig = concat(
    silence(lead),
    tone({ hz: [2100], levelDb: level }, rng.uniform(2600, 4000)),
    silence(75),
    fsk(rng, 1000, level),
  );
  return {
    signal: onLine(rng, sig),
    notes: `CED ${level.toFixed(0)} dBov after ${lead.toFixed(0)} ms, then V.21 flags`,
  };
}
function modemAnsam(rng: Rng): Made {
  const level = rng.uniform(-22, -10);
  const lead = rng.uniform(200, 600);
  const sig = concat(
    silence(lead),
    tone(
      { hz: [2100], levelDb: level, am: { hz: 15, depth: 0.2 }, reversalMs: 450 },
      rng.uniform(3000, 5000),
    ),
  );
  return {
    signal: onLine(rng, sig),
    notes: `ANSam (15 Hz 20 % AM, reversals every 450 ms) ${level.toFixed(0)} dBov`,
  };
}

function announcementLoop(
  carrier: { cmn: Omit<SpeechSpec, "text">; en: Omit<SpeechSpec, "text"> | null },
  cls: AnnouncementClass,
): Signal {
  const texts = ANNOUNCEMENTS[cls];
  const cmn = scaleToActiveRms(speak({ ...carrier.cmn, text: texts.cmn }), -18);
  const en = carrier.en ? scaleToActiveRms(speak({ ...carrier.en, text: texts.en }), -18) : null;
  return en ? concat(cmn, silence(400), en, silence(1000)) : concat(cmn, silence(1000));
}

/** The carrier plays the loop from wherever it is when the media starts; we hear it degraded. */
function announcementVariant(loop: Signal, rng: Rng): Made & { ringbackFirst: boolean } {
  const start = rng.int(0, loop.length);
  const lead =
    rng.next() < 0.4
      ? cadence({ hz: [450], levelDb: -20 }, [1000, 4000], rng.uniform(1000, 5000))
      : silence(0);
  const totalMs = rng.uniform(12000, 16000);
  const n = msToSamples(totalMs);
  const played = new Float64Array(n);
  for (let i = 0; i < n; i++) played[i] = loop[(start + i) % loop.length]!;
  const levelChange = rng.uniform(-6, 6);
  const snr = rng.next() < 0.5 ? 15 : rng.uniform(20, 35);
  const colour: NoiseColour = rng.next() < 0.5 ? "pink" : "white";
  const degraded = addNoiseAtSnr(rng, gain(played, levelChange), snr, colour);
  return {
    ringbackFirst: lead.length > 0,
    signal: concat(lead, degraded),
    notes: `start ${((start / 8000) * 1000).toFixed(0)} ms into the loop, ${levelChange.toFixed(1)} dB, ${colour} noise ${snr.toFixed(0)} dB SNR, ${lead.length > 0 ? "after ringback" : "no ringback"}`,
  };
}

function recipes(scale: number): {
  items: Recipe[];
  references: { id: string; class: AnnouncementClass; loop: Signal; notes: string }[];
} {
  const n = (full: number) => Math.max(1, Math.round(full * scale));
  const items: Recipe[] = [];
  const add = (r: Omit<Recipe, "count"> & { count: number }) => items.push(r);
  for (const lang of ["cmn", "en"] as const) {
    add({
      class: "human-short",
      label: "human",
      phase: "answered",
      lang,
      count: n(40),
      make: humanShort(lang),
    });
    add({
      class: "human-long",
      label: "human",
      phase: "answered",
      lang,
      count: n(15),
      make: humanLong(lang),
    });
    add({
      class: "machine",
      label: "machine",
      phase: "answered",
      lang,
      count: n(12),
      make: machine(lang, "plain"),
    });
    add({
      class: "machine-beep",
      label: "machine",
      phase: "answered",
      lang,
      count: n(12),
      make: machine(lang, "beep"),
    });
    add({
      class: "machine-music",
      label: "machine",
      phase: "answered",
      lang,
      count: n(8),
      make: machine(lang, "music"),
    });
    for (const snr of [20, 10, 5]) {
      add({
        class: `human-short-noisy${snr}`,
        label: "human",
        phase: "answered",
        lang,
        count: n(5),
        snrDb: snr,
        make: noisy(humanShort(lang), snr),
      });
      add({
        class: `human-long-noisy${snr}`,
        label: "human",
        phase: "answered",
        lang,
        count: n(2),
        snrDb: snr,
        make: noisy(humanLong(lang), snr),
      });
      add({
        class: `machine-noisy${snr}`,
        label: "machine",
        phase: "answered",
        lang,
        count: n(5),
        snrDb: snr,
        make: noisy(machine(lang, "plain"), snr),
      });
    }
  }
  add({ class: "fax-cng", label: "fax", phase: "answered", lang: "none", count: n(5), make: faxCng });
  add({ class: "fax-ced", label: "fax", phase: "answered", lang: "none", count: n(5), make: faxCed });
  add({ class: "modem-ansam", label: "fax", phase: "answered", lang: "none", count: n(5), make: modemAnsam });
  add({
    class: "silence",
    label: "unknown",
    phase: "answered",
    lang: "none",
    count: n(4),
    make: (rng, i) => ({
      signal: i % 2 === 0 ? silence(6000) : lineNoise(rng, 6000),
      notes: i % 2 === 0 ? "digital silence" : "line noise only",
    }),
  });
  add({
    class: "noise",
    label: "unknown",
    phase: "answered",
    lang: "none",
    count: n(6),
    make: (rng) => {
      const colour: NoiseColour = rng.pick(["pink", "white", "brown"]);
      const level = rng.uniform(-48, -34);
      return { signal: noise(rng, colour, 6000, level), notes: `${colour} noise ${level.toFixed(0)} dBov` };
    },
  });
  // Early media.
  add({ class: "sit", label: "sit", phase: "early", lang: "none", count: n(10), make: sitWithAnnouncement });
  add({
    class: "busy-cn",
    label: "busy",
    phase: "early",
    lang: "none",
    count: n(4),
    make: toneCadence([450], [350, 350], 6000),
  });
  add({
    class: "busy-us",
    label: "busy",
    phase: "early",
    lang: "none",
    count: n(4),
    make: toneCadence([480, 620], [500, 500], 6000),
  });
  add({
    class: "congestion-cn",
    label: "congestion",
    phase: "early",
    lang: "none",
    count: n(3),
    make: toneCadence([450], [700, 700], 8000),
  });
  add({
    class: "reorder-us",
    label: "congestion",
    phase: "early",
    lang: "none",
    count: n(3),
    make: toneCadence([480, 620], [250, 250], 5000),
  });
  add({
    class: "ringback-cn",
    label: "ringback",
    phase: "early",
    lang: "none",
    count: n(4),
    make: toneCadence([450], [1000, 4000], 11000),
  });
  add({
    class: "ringback-us",
    label: "ringback",
    phase: "early",
    lang: "none",
    count: n(4),
    make: toneCadence([440, 480], [2000, 4000], 13000),
  });
  add({
    class: "ringback-music",
    label: "none",
    phase: "early",
    lang: "none",
    count: n(4),
    make: (rng) => ({
      signal: onLine(rng, music(rng, 10000, rng.uniform(-26, -16))),
      notes: "colour ring-back tone (music)",
    }),
  });
  const references: { id: string; class: AnnouncementClass; loop: Signal; notes: string }[] = [];
  const CLASSES = Object.keys(ANNOUNCEMENTS) as AnnouncementClass[];
  for (const carrier of CARRIERS) {
    for (const cls of CLASSES) {
      const loop = announcementLoop(carrier, cls);
      const id = `${carrier.id}-${cls}`;
      references.push({
        id,
        class: cls,
        loop,
        notes: `${carrier.cmn.voice}${carrier.en ? ` then ${carrier.en.voice}` : ""}`,
      });
      add({
        class: "announcement",
        label: `announcement:${cls}`,
        phase: "early",
        lang: "cmn",
        tag: id,
        count: n(2),
        make: (rng) => {
          const v = announcementVariant(loop, rng);
          return { signal: v.signal, notes: `${id}: ${v.notes}` };
        },
      });
    }
  }
  add({
    class: "announcement-unknown",
    label: "none",
    phase: "early",
    lang: "cmn",
    count: n(5),
    make: (rng, i) => {
      const cls = CLASSES[i % CLASSES.length]!;
      const v = announcementVariant(announcementLoop(UNKNOWN_CARRIER, cls), rng);
      const label: CorpusLabel = v.ringbackFirst ? "ringback" : "none";
      return { signal: v.signal, label, notes: `${cls} by a carrier not in the database: ${v.notes}` };
    },
  });
  return { items, references };
}

// ---------------------------------------------------------------------------------------------

function padToPackets(bytes: Uint8Array, silenceByte: number): Uint8Array {
  const len = Math.ceil(bytes.length / FRAME_SAMPLES) * FRAME_SAMPLES;
  const out = new Uint8Array(len).fill(silenceByte);
  out.set(bytes);
  return out;
}

export async function generateCorpus(opts: GenerateOptions): Promise<CorpusManifest> {
  const seed = opts.seed ?? "cpa-corpus-v1";
  const quick = opts.quick ?? false;
  const scale = opts.scale ?? (quick ? 0.125 : 1);
  const out = opts.outDir;
  for (const d of ["wav", "ulaw", "alaw", "references"]) mkdirSync(join(out, d), { recursive: true });
  const { items: all, references } = recipes(scale);
  const wanted = (cls: string) => !opts.only || opts.only.some((p) => cls.startsWith(p));
  const items: CorpusItem[] = [];
  for (const r of all) {
    if (!wanted(r.class)) continue;
    for (let i = 0; i < r.count; i++) {
      const name = `${r.class}-${r.tag ?? r.lang}-${String(i).padStart(3, "0")}`;
      const rng = new Rng(`${seed}:${name}`);
      const made = r.make(rng, i);
      const pcm = toInt16(made.signal);
      writeFileSync(join(out, "wav", `${name}.wav`), wavBytes(pcm));
      writeFileSync(join(out, "ulaw", `${name}.ul`), padToPackets(ulawEncode(pcm), 0xff));
      writeFileSync(join(out, "alaw", `${name}.al`), padToPackets(alawEncode(pcm), 0xd5));
      items.push({
        file: `wav/${name}.wav`,
        label: made.label ?? r.label,
        class: r.class,
        lang: r.lang,
        snrDb: r.snrDb ?? null,
        notes: made.notes,
        phase: r.phase,
        ulaw: `ulaw/${name}.ul`,
        alaw: `alaw/${name}.al`,
        durationMs: Math.round(pcm.length / 8),
        ...(made.segments ? { segments: made.segments } : {}),
      });
    }
  }
  const refOut: CorpusReference[] = [];
  const dbEntries = references.map((ref) => {
    const pcm = toInt16(ref.loop);
    writeFileSync(join(out, "references", `${ref.id}.wav`), wavBytes(pcm));
    refOut.push({ id: ref.id, class: ref.class, file: `references/${ref.id}.wav`, notes: ref.notes });
    return { id: ref.id, class: ref.class, pcm };
  });
  writeFileSync(join(out, "fingerprints.json"), JSON.stringify(buildFingerprintDb(dbEntries)));
  const manifest: CorpusManifest = {
    seed,
    quick,
    sampleRate: 8000,
    items,
    references: refOut,
    fingerprints: "fingerprints.json",
  };
  writeFileSync(join(out, "manifest.json"), JSON.stringify(manifest, null, 2));
  return manifest;
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      out: { type: "string" },
      quick: { type: "boolean", default: false },
      seed: { type: "string" },
      only: { type: "string", multiple: true },
    },
  });
  if (!values.out) {
    console.error(
      "usage: node media/src/cpa/corpus/generate.ts --out DIR [--quick] [--seed S] [--only CLASS…]",
    );
    process.exit(2);
  }
  const t0 = performance.now();
  const m = await generateCorpus({
    outDir: values.out,
    quick: values.quick,
    seed: values.seed,
    only: values.only,
  });
  console.log(
    `${m.items.length} items, ${m.references.length} references in ${values.out} (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
  );
}
