// The demo campaign's carrier: media's simulated carrier (SIPp UAS lines playing the generated
// corpus), with the numbers of each behaviour the simulated floor gives its leads.
import type { TrunkConfig } from "@cc/media";
import { startSimulatedCarrier } from "@cc/media/testing";

export interface DemoCarrier {
  trunks: TrunkConfig[];
  /** Behaviour (the floor's mix names it) → numbers the carrier answers that way. */
  numbers: Record<string, string[]>;
  stop(): Promise<void>;
}

/** Numbers per behaviour (the carrier's items cycle under them: different voices and texts). */
const PER_BEHAVIOUR = 24;

export async function startDemoCarrier(o: {
  audioDir: string;
  talkS: [number, number];
}): Promise<DemoCarrier> {
  const carrier = await startSimulatedCarrier({
    audioDir: o.audioDir,
    // Rings and talks like a campaign's customers, so the wallboard's figures look like a floor's.
    ringMs: [3_000, 12_000],
    talkMs: [o.talkS[0] * 1000, o.talkS[1] * 1000],
  });
  const many = (f: (index: number) => string) => Array.from({ length: PER_BEHAVIOUR }, (_, i) => f(i));
  const numbers: Record<string, string[]> = {
    human_zh: many((index) => carrier.numberFor("human", { lang: "cmn", index })),
    human_en: many((index) => carrier.numberFor("human", { lang: "en", index })),
    machine: many((index) => carrier.numberFor("machine", { index })),
    fax: many((index) => carrier.numberFor("fax", { index })),
    busy: many((index) => carrier.numberFor("busy", { index })),
    no_answer: many((index) => carrier.numberFor("no_answer", { index })),
    sit: many((index) => carrier.numberFor("sit", { index })),
    invalid_number: many((index) =>
      carrier.numberFor("announcement", { index, announcement: "invalid-number" }),
    ),
    powered_off: many((index) => carrier.numberFor("announcement", { index, announcement: "powered-off" })),
    suspended: many((index) => carrier.numberFor("announcement", { index, announcement: "suspended" })),
    out_of_service_area: many((index) =>
      carrier.numberFor("announcement", { index, announcement: "out-of-service-area" }),
    ),
  };
  return { trunks: carrier.trunks, numbers, stop: () => carrier.stop() };
}
