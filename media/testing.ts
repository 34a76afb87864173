// @cc/media/testing: phones and a media stack on real servers, for integration tests, benchmarks
// and the simulated floor of `npm start`.

// Audio tools of the CPA corpus (espeak-ng speech at 8 kHz, WAV files), for simulated floors.
export { concat, silence, speak, toInt16, wavBytes } from "./src/cpa/corpus/audio.ts";
// Inbound: a customer phoning one of our numbers (RFC 4733 key presses included).
export { type Caller, CallRefused, callIn } from "./src/inbound/caller.ts";
// The simulated carrier: SIPp UAS lines per outcome class, numbers that select the outcome.
export {
  type CarrierLine,
  type CarrierOutcome,
  type ExpectedEvent,
  type LineItem,
  type SimulatedCarrier,
  type SimulatedCarrierOptions,
  startSimulatedCarrier,
} from "./src/sim-carrier/carrier.ts";
export {
  CAMPAIGN,
  type MediaStack,
  type MediaStackOptions,
  ORG,
  startMediaStack,
} from "./src/testing/media-stack.ts";
export {
  type AgentPhone,
  type CarrierCall,
  type CarrierScript,
  framesWithTone,
  looped,
  onceThenSilence,
  PhoneSwitch,
  toneShare,
} from "./src/testing/phones.ts";
export { connectSwitchForTests } from "./src/testing/switch.ts";
