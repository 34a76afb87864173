// Interim simulated carrier for the demo campaign: a second drachtio-server answering as people
// (corpus speech), answering machines and busy lines. The SIPp carrier (media/sipp) replaces it.
import { readFileSync } from "node:fs";
import path from "node:path";
import { TrunkConfig } from "@cc/media";
import { concat, PhoneSwitch, silence, toInt16 } from "@cc/media/testing";
import { startDrachtio } from "./launchers/drachtio.ts";

export interface DemoCarrier {
  trunks: TrunkConfig[];
  numbers: Record<string, string>;
  stop(): Promise<void>;
}

const PREFIX: Record<string, string> = {
  human_zh: "+8613910",
  machine: "+8613912",
  busy: "+8613913",
  no_answer: "+8613914",
};

export async function startDemoCarrier(o: {
  audioDir: string;
  onLine?: (l: string) => void;
}): Promise<DemoCarrier> {
  const d = await startDrachtio({ logLevel: "warning" });
  const sw = await PhoneSwitch.connect(d);
  const manifest = JSON.parse(readFileSync(path.join(o.audioDir, "manifest.json"), "utf8")) as {
    items: { file: string; label: string }[];
  };
  const pcmOf = (label: string) => {
    const item = manifest.items.find((i) => i.label === label)!;
    const buf = readFileSync(path.join(o.audioDir, item.file));
    return new Int16Array(buf.buffer.slice(buf.byteOffset + 44, buf.byteOffset + buf.byteLength));
  };
  const human = pcmOf("human");
  const machine = pcmOf("machine");
  sw.carrier((n) => {
    if (n.startsWith("+8613910"))
      return {
        finalMs: 3000,
        final: {
          answer: true,
          greeting: toInt16(concat(Float64Array.from(human), silence(2000), Float64Array.from(human))),
          hangupAfterMs: 20000 + Math.random() * 40000,
        },
      };
    if (n.startsWith("+8613912"))
      return { finalMs: 4000, final: { answer: true, greeting: machine, hangupAfterMs: 15000 } };
    if (n.startsWith("+8613913")) return { finalMs: 1500, final: { status: 486 } };
    return {};
  });
  return {
    trunks: [TrunkConfig.parse({ id: "sim-carrier", uri: d.sipUri, prefixes: ["+86139"] })],
    numbers: PREFIX,
    async stop() {
      sw.close();
      await d.stop();
    },
  };
}
