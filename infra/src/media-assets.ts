// Audio the demo campaign needs, made on the first `npm start` (espeak-ng + sox, seconds): the
// call-analysis corpus (the simulated carrier plays it; its reference announcements are the
// fingerprints the media service recognises) and the campaign's abandon message.
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { generateCorpus } from "@cc/media";
import { concat, silence, speak, toInt16, wavBytes } from "@cc/media/testing";

export interface DemoMedia {
  corpusDir: string;
  fingerprints: string;
  abandonMessage: string;
}

/** The information message of the 2-second rule: who called and how to call back. */
const ABANDON_TEXT =
  "您好，这里是示例公司。刚才我们给您来电，暂时没有客服可以接听，我们会再与您联系。回电请拨打四零零八零零一二三四。谢谢。";

export async function prepareDemoMedia(dir: string, log: (msg: string) => void): Promise<DemoMedia> {
  const corpusDir = path.join(dir, "corpus");
  const fingerprints = path.join(corpusDir, "fingerprints.json");
  if (!existsSync(path.join(corpusDir, "manifest.json"))) {
    log("generating the simulated carrier's audio (espeak-ng, first start only)");
    await generateCorpus({ outDir: corpusDir, quick: true });
  }
  const abandonMessage = path.join(dir, "abandon-demo-campaign.wav");
  if (!existsSync(abandonMessage)) {
    await mkdir(dir, { recursive: true });
    const speech = speak({ text: ABANDON_TEXT, voice: "cmn", speed: 165, pitch: 50 });
    await writeFile(abandonMessage, wavBytes(toInt16(concat(silence(200), speech))));
  }
  return { corpusDir, fingerprints, abandonMessage };
}
