// The queue's spoken announcements: short clips (digits and number words, "you are caller number",
// "expected wait", "minutes", the call-back offer) generated once with espeak-ng + sox (as the
// CPA corpus does) and cached as WAV files; each announcement is those clips joined into one WAV
// that rtpengine plays. Numbers are spoken from the clips (0–99, larger values say 99).
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { concat, readWav, silence, speak, toInt16, wavBytes } from "../cpa/corpus/audio.ts";

export type Language = "en" | "zh";

const EN_NUMBERS = [
  "zero",
  "one",
  "two",
  "three",
  "four",
  "five",
  "six",
  "seven",
  "eight",
  "nine",
  "ten",
  "eleven",
  "twelve",
  "thirteen",
  "fourteen",
  "fifteen",
  "sixteen",
  "seventeen",
  "eighteen",
  "nineteen",
];
const EN_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];
const ZH_DIGITS = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];

const PHRASES: Record<Language, Record<string, string>> = {
  en: {
    caller_number: "You are caller number",
    expected_wait: "Your expected wait is about",
    minutes: "minutes",
    callback_offer: "To be called back instead, press one.",
    callback_confirmed: "Thank you. We will call you back.",
    goodbye: "Sorry, nobody can take your call now. Goodbye.",
  },
  zh: {
    caller_number: "您当前排在第",
    expected_wait: "位，预计等待",
    minutes: "分钟",
    callback_offer: "如需我们回电，请按一。",
    callback_confirmed: "好的，我们会尽快给您回电。",
    goodbye: "抱歉，现在无人接听，再见。",
  },
};

/** Clip names that say the number n (0–99). */
export function numberWords(n: number, lang: Language): string[] {
  const v = Math.max(0, Math.min(99, Math.round(n)));
  if (lang === "zh") {
    if (v <= 10) return [v === 10 ? "zh_10" : `zh_${v}`];
    const tens = Math.floor(v / 10);
    const ones = v % 10;
    return [...(tens > 1 ? [`zh_${tens}`] : []), "zh_10", ...(ones ? [`zh_${ones}`] : [])];
  }
  if (v < 20) return [`en_${EN_NUMBERS[v]}`];
  const ones = v % 10;
  return [`en_${EN_TENS[Math.floor(v / 10)]}`, ...(ones ? [`en_${EN_NUMBERS[ones]}`] : [])];
}

function clipTexts(lang: Language): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(PHRASES[lang])) out[k] = v;
  if (lang === "en") {
    for (const w of EN_NUMBERS) out[`en_${w}`] = w;
    for (const w of EN_TENS.filter(Boolean)) out[`en_${w}`] = w;
  } else {
    ZH_DIGITS.forEach((w, i) => {
      out[`zh_${i}`] = w;
    });
    out.zh_10 = "十";
  }
  return out;
}

export class PromptBook {
  readonly dir: string;
  readonly lang: Language;
  readonly #clips = new Map<string, Int16Array>();

  private constructor(dir: string, lang: Language) {
    this.dir = dir;
    this.lang = lang;
  }

  /** Loads the clips from `dir`, generating the missing ones (espeak-ng, about 2 s the first time). */
  static async open(dir: string, lang: Language): Promise<PromptBook> {
    const book = new PromptBook(dir, lang);
    await mkdir(path.join(dir, "clips"), { recursive: true });
    await mkdir(path.join(dir, "said"), { recursive: true });
    const voice = lang === "zh" ? "cmn" : "en-us";
    for (const [name, text] of Object.entries(clipTexts(lang))) {
      const file = path.join(dir, "clips", `${lang}-${name}.wav`);
      if (!existsSync(file))
        await writeFile(file, wavBytes(toInt16(speak({ text, voice, speed: 160, pitch: 50 }))));
      book.#clips.set(name, readWav(await readFile(file)));
    }
    return book;
  }

  /** A WAV file saying these clips in order (cached by content), for rtpengine to play. */
  async say(parts: string[]): Promise<string> {
    const file = path.join(this.dir, "said", `${this.lang}-${parts.join("+")}.wav`);
    if (existsSync(file)) return file;
    const gap = silence(120);
    const signals = parts.flatMap((p) => {
      const pcm = this.#clips.get(p);
      if (!pcm) throw new Error(`no prompt clip "${p}"`);
      return [Float64Array.from(pcm), gap];
    });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, wavBytes(toInt16(concat(...signals))));
    await rename(tmp, file);
    return file;
  }

  /** "You are caller number N. Your expected wait is about M minutes. [To be called back, press 1.]" */
  async queueAnnouncement(position: number, waitS: number, offerCallback: boolean): Promise<string> {
    const minutes = Math.max(1, Math.ceil(waitS / 60));
    return await this.say([
      "caller_number",
      ...numberWords(position, this.lang),
      "expected_wait",
      ...numberWords(minutes, this.lang),
      "minutes",
      ...(offerCallback ? ["callback_offer"] : []),
    ]);
  }

  async phrase(name: "callback_confirmed" | "goodbye"): Promise<string> {
    return await this.say([name]);
  }
}
