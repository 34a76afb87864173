// The analyzer behind the narrow LegAnalysis port an outbound call uses.
import type { AmdParams } from "../cpa/amd.ts";
import { createCallAnalyzer } from "../cpa/analyzer.ts";
import type { FingerprintDb } from "../cpa/announcements.ts";
import type { LegAnalysis } from "../sip/ports.ts";

export function legAnalysis(opts: {
  amd?: Partial<AmdParams>;
  fingerprints: FingerprintDb | null;
}): LegAnalysis {
  const a = createCallAnalyzer({ ...(opts.amd ? { amd: opts.amd } : {}), fingerprints: opts.fingerprints });
  return {
    early(pcm, tMs) {
      const v = a.pushEarly(pcm, tMs);
      return v && v.kind !== "ringback" ? v : null;
    },
    answered(tMs) {
      a.answered(tMs);
    },
    afterAnswer(pcm, tMs) {
      const v = a.pushAnswered(pcm, tMs);
      return v ? { detection: v.detection, reason: v.reason, decisionMs: v.decisionMs } : null;
    },
  };
}
