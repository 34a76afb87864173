// What an outbound call needs from its collaborators, as small interfaces: the analysis of the
// customer's audio and the agent leg it may be bridged to.
import type { Detection } from "@cc/pacing";
import type { AudioTarget } from "../rtp/sdp.ts";
import type { FinalEarlyVerdict } from "./outcomes.ts";

export interface AnswerVerdict {
  detection: Detection;
  reason: string;
  /** From answer to the decision. */
  decisionMs: number;
}

/** Streaming analysis of one customer leg: early media first, then after answer. */
export interface LegAnalysis {
  early(pcm: Int16Array, tMs: number): FinalEarlyVerdict | null;
  answered(tMs: number): void;
  afterAnswer(pcm: Int16Array, tMs: number): AnswerVerdict | null;
}

/**
 * An agent's persistent media session as a bridge sees it: re-point its plain side at a
 * customer call (or back to the park) inside rtpengine.
 */
export interface AgentLeg {
  readonly agentId: string;
  /** rtpengine's local address on the agent call's plain side (where a customer call sends). */
  readonly plainLocal: AudioTarget;
  pointAt(target: AudioTarget): Promise<void>;
  park(): Promise<void>;
}
