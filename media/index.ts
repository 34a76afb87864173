// @cc/media: call control over SIP (drachtio-srf + drachtio-server) and media (rtpengine), with call
// progress analysis on the customer leg's audio. Implements pacing's CallControl boundary.

export {
  type AmdDetection,
  AmdParams,
  type AmdReason,
  type AmdVerdict,
  DEFAULT_AMD_PARAMS,
} from "./src/cpa/amd.ts";
// Call progress analysis and answering-machine detection (media/src/cpa, see its README).
export {
  type AnsweredVerdict,
  type CallAnalyzer,
  type CallAnalyzerOptions,
  type CallVerdict,
  createCallAnalyzer,
  type EarlyVerdict,
} from "./src/cpa/analyzer.ts";
export {
  ANNOUNCEMENT_CLASSES,
  type AnnouncementClass,
  type AnnouncementEntry,
  buildFingerprintDb,
  type FingerprintDb,
  type FingerprintDbJson,
  loadFingerprintDb,
} from "./src/cpa/announcements.ts";
export {
  type EvaluateOptions,
  type Evaluation,
  evaluateCorpus,
  formatEvaluation,
} from "./src/cpa/corpus/evaluate.ts";
export {
  type CorpusItem,
  type CorpusLabel,
  type CorpusManifest,
  type GenerateOptions,
  generateCorpus,
} from "./src/cpa/corpus/generate.ts";
export {
  alawDecode,
  alawEncode,
  bytesToPcm,
  type G711Law,
  g711Decode,
  g711Encode,
  g711RoundTrip,
  pcmToBytes,
  ulawDecode,
  ulawEncode,
} from "./src/cpa/g711.ts";
export type { SitCode, TonePlan } from "./src/cpa/tones.ts";
// SIP and media: the call-control implementation, agents' sessions, the service.
export { MediaEngineError, Rtpengine, type RtpengineOptions } from "./src/engine/rtpengine.ts";
// Inbound (media/src/inbound): config and the caller directory (customer index, blacklist).
export { InboundConfig, loadInboundConfig } from "./src/inbound/config.ts";
export { CallerDirectory, normalisePhone } from "./src/inbound/directory.ts";
// Call recording (media/src/recording): rtpengine's pcap → WAV, and the check the tests and the
// inbound benchmark use (recordings_ok).
export { type ExportManifest, exportRecordings, verifyExport } from "./src/recording/export.ts";
export { CallRecorder, type RecordedCall, type RecordingResult } from "./src/recording/recorder.ts";
export { type ExpectedTones, type RecordingCheck, toneMs, verifyRecording } from "./src/recording/verify.ts";
export { type AudioFrame, FRAME_MS, FRAME_SAMPLES, RtpEndpoint, tone } from "./src/rtp/endpoint.ts";
export { type AudioTarget, audioTarget, plainAudioSdp, SdpError } from "./src/rtp/sdp.ts";
export { loadMediaConfig, type MediaConfig, MediaConfigError, MediaEnv } from "./src/service/config.ts";
export { type MediaService, type MediaServiceOptions, startMediaService } from "./src/service/service.ts";
export { type AgentDevice, AgentSession, AgentSessions } from "./src/sip/agent-sessions.ts";
export { SipCallControl, type SipCallControlOptions } from "./src/sip/call-control.ts";
export {
  type AgentSipCredentials,
  agentSipCredentials,
  identityOf,
  sipPassword,
} from "./src/sip/credentials.ts";
export { causeOfStatus } from "./src/sip/outcomes.ts";
export { routeFor, TrunkConfig, TrunkList } from "./src/sip/trunks.ts";
