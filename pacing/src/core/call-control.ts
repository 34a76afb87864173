// The call-control boundary between the dialer and telephony. The simulator (pacing/src/sim/telephony)
// implements it in virtual or real time; media's drachtio-srf + rtpengine implementation satisfies
// the same interface. Commands are fire-and-forget; everything that happens comes back as events.

export type FailureCause =
  | "busy"
  | "invalid_number"
  | "no_answer"
  | "rejected"
  | "unreachable"
  | "network"
  | "cancelled";
export type Detection = "human" | "machine" | "fax" | "unknown";
export type HangupBy = "customer" | "agent" | "system" | "network";

export interface OriginateRequest {
  attemptId: string;
  campaignId: string;
  phone: string;
  callerId: string;
  /** Give up after this many seconds of ringing (FCC/Ofcom: at least 15 s). */
  ringTimeoutS: number;
  /** Run answering-machine detection after answer. */
  amd: boolean;
  /** Tags carried with the call (lead id, attempt number…), e.g. as X- headers in SIP. */
  meta?: Record<string, string | number>;
}

export type CallControlEvent =
  | { type: "dialing"; attemptId: string; at: number }
  | { type: "ringing"; attemptId: string; at: number }
  | { type: "answered"; attemptId: string; at: number; ringS: number }
  /** Call-progress analysis verdict, after answer. `at` is the end of the greeting. */
  | {
      type: "detected";
      attemptId: string;
      at: number;
      detection: Detection;
      detectMs: number;
      /** Why the analysis decided so (e.g. "long_greeting", "beep"); real telephony only. */
      reason?: string;
    }
  | {
      type: "failed";
      attemptId: string;
      at: number;
      cause: FailureCause;
      sipCode?: number;
      ringS: number;
      /** What was heard or said beyond the cause (e.g. "announcement:powered_off", "sit:IC"). */
      detail?: string;
    }
  | { type: "bridged"; attemptId: string; at: number; agentId: string }
  | { type: "message_started"; attemptId: string; at: number; messageId: string }
  | { type: "hungup"; attemptId: string; at: number; by: HangupBy };

export type CallControlListener = (e: CallControlEvent) => void;

export interface CallControl {
  originate(req: OriginateRequest): void;
  /** Abort an attempt that is not answered yet. */
  cancel(attemptId: string): void;
  /** End an answered or bridged call from our side. */
  hangup(attemptId: string, by?: HangupBy): void;
  /** Connect an answered call to an agent's leg. */
  bridge(attemptId: string, agentId: string): void;
  /** Play a recorded message (the abandon/information message) to the callee, then hang up. */
  playMessage(attemptId: string, messageId: string): void;
  /** Subscribe to events; returns the unsubscribe function. */
  onEvent(listener: CallControlListener): () => void;
}

export class CallControlError extends Error {
  readonly code: string;
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "CallControlError";
    this.code = code;
  }
}
