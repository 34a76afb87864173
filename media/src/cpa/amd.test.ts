import { describe, expect, it } from "vitest";
import type { AmdParams } from "./amd.ts";
import { type AnsweredVerdict, createCallAnalyzer } from "./analyzer.ts";
import { concat, mixAt, noise, Rng, type Signal, silence, speak, toInt16, tone } from "./corpus/audio.ts";
import { g711RoundTrip } from "./g711.ts";

/** Plays a signal after answer (through G.711) and returns the verdict. */
function verdict(sig: Signal, law: "PCMU" | "PCMA" = "PCMU", amd: Partial<AmdParams> = {}): AnsweredVerdict {
  const line = mixAt(sig, noise(new Rng("amd-line"), "pink", (sig.length * 1000) / 8000, -62));
  const pcm = g711RoundTrip(law, toInt16(line));
  const a = createCallAnalyzer({ amd });
  a.answered(0);
  for (let i = 0; i + 160 <= pcm.length && !a.answeredVerdict; i += 160)
    a.pushAnswered(pcm.subarray(i, i + 160), i / 8);
  const v = a.answeredVerdict ?? a.finish();
  if (!v) throw new Error("no verdict");
  return v;
}
const ms = (s: Signal) => (s.length * 1000) / 8000;

const hello = speak({ text: "hello?", voice: "en-us", speed: 170, pitch: 50 });
const voicemail = speak({
  text: "您好，我现在不方便接听电话，请在提示音后留言，我会尽快给您回电，谢谢。",
  voice: "cmn",
  speed: 170,
  pitch: 45,
});

describe("AMD greeting words", () => {
  it("a click or a noise burst after the greeting does not restart it", () => {
    const plain = verdict(concat(silence(500), hello, silence(3000)));
    const click = verdict(
      concat(silence(500), hello, silence(250), tone({ hz: [700, 1900], levelDb: -20 }, 40), silence(3000)),
    );
    expect(plain.detection).toBe("human");
    expect(click.detection).toBe("human");
    expect(click.decisionMs).toBe(plain.decisionMs);
  });

  it("a voicemail greeting that starts at answer is a machine (the service's end-to-end case)", () => {
    for (const law of ["PCMU", "PCMA"] as const) {
      const v = verdict(concat(voicemail, silence(1000)), law);
      expect(v.detection).toBe("machine");
    }
  });
});

describe("AMD beep", () => {
  it("a beep after the greeting's last word confirms a machine", () => {
    const sig = concat(
      silence(300),
      hello,
      silence(200),
      hello,
      silence(400),
      tone({ hz: [1000], levelDb: -18 }, 400),
      silence(2000),
    );
    const v = verdict(sig, "PCMU", { afterShortGreetingSilenceMs: 500, afterGreetingSilenceMs: 800 });
    expect(v).toMatchObject({ detection: "machine", reason: "beep" });
    expect(v.beepMs).toBeGreaterThan(300 + 2 * ms(hello) + 500);
  });

  it("a steady tone glued to speech (a held vowel) is not a beep", () => {
    const vowel = tone({ hz: [757], levelDb: -20 }, 140);
    const sig = concat(silence(300), hello, vowel, hello, silence(3000));
    const v = verdict(sig, "PCMA");
    expect(v.detection).toBe("human");
  });
});
