// How a call that never reached a person ends: SIP final responses, our own ring timeout, and what
// call progress analysis heard in early media (which beats the SIP code: Chinese carriers answer
// an empty number with a recorded announcement and then a vague 480 or 503).
import type { FailureCause } from "@cc/pacing";

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

/** What early-media analysis can conclude before any answer. */
export type EarlyVerdict =
  | { kind: "sit"; detail?: string }
  | {
      kind: "announcement";
      class: "invalid_number" | "powered_off" | "suspended" | "out_of_service_area" | "busy" | string;
    }
  | { kind: "busy" }
  | { kind: "congestion" }
  | { kind: "fax" }
  | { kind: "modem" };

export function causeOfEarlyVerdict(v: EarlyVerdict): FailureCause {
  switch (v.kind) {
    case "sit":
      // SIT means "no such number / no circuit / reorder": never a person on the line.
      return v.detail && /circuit|reorder|congest/i.test(v.detail) ? "network" : "invalid_number";
    case "announcement":
      if (v.class === "invalid_number") return "invalid_number";
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

/** Short machine-readable detail carried on call.failed (why, beyond the cause). */
export function detailOfEarlyVerdict(v: EarlyVerdict): string {
  switch (v.kind) {
    case "sit":
      return v.detail ? `sit:${v.detail}` : "sit";
    case "announcement":
      return `announcement:${v.class}`;
    default:
      return v.kind;
  }
}
