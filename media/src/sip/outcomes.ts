// How a call that never reached a person ends: SIP final responses, our own ring timeout, and what
// call progress analysis heard in early media (which beats the SIP code: Chinese carriers answer
// an empty number with a recorded announcement and then a vague 480 or 503).
import type { FailureCause } from "@cc/pacing";
import type { EarlyVerdict } from "../cpa/analyzer.ts";

/** SIP final response → outcome. Unlisted 4xx are "rejected", 5xx/6xx "network" unless listed. */
const BY_STATUS: Record<number, FailureCause> = {
  403: "rejected",
  404: "invalid_number",
  408: "no_answer",
  410: "invalid_number",
  416: "invalid_number",
  480: "unreachable",
  484: "invalid_number",
  485: "invalid_number",
  486: "busy",
  487: "cancelled",
  488: "network",
  500: "network",
  502: "network",
  503: "network",
  504: "network",
  600: "busy",
  603: "rejected",
  604: "invalid_number",
  606: "network",
};

export function causeOfStatus(status: number): FailureCause {
  const known = BY_STATUS[status];
  if (known) return known;
  if (status >= 500) return "network";
  return "rejected";
}

/** A final early-media verdict of the analyzer (ringback is informational and never ends a call). */
export type FinalEarlyVerdict = Exclude<EarlyVerdict, { kind: "ringback" }>;

export function causeOfEarlyVerdict(v: FinalEarlyVerdict): FailureCause {
  switch (v.kind) {
    case "sit":
      // SIT never means a person: intercept / vacant code → bad number; no circuit / reorder → network.
      return v.code === "NC" || v.code === "RO" ? "network" : "invalid_number";
    case "announcement":
      if (v.class === "invalid-number") return "invalid_number";
      if (v.class === "busy") return "busy";
      return "unreachable";
    case "busy":
      return "busy";
    case "congestion":
      return "network";
    case "fax":
    case "modem":
      return "rejected";
  }
}

/** Short machine-readable detail carried on call.failed (what was heard, beyond the cause). */
export function detailOfEarlyVerdict(v: FinalEarlyVerdict): string {
  switch (v.kind) {
    case "sit":
      return `sit:${v.code}`;
    case "announcement":
      return `announcement:${v.class}`;
    case "busy":
    case "congestion":
      return `${v.kind}_tone:${v.plan}`;
    case "fax":
    case "modem":
      return `${v.kind}:${v.tone}`;
  }
}
