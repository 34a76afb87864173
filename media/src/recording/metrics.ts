// Prometheus metrics of call recording.
import { Counter, Histogram, type Registry } from "prom-client";
import type { RecordingMetrics } from "./recorder.ts";

export function recordingMetrics(registry: Registry): RecordingMetrics {
  const registers = [registry];
  const stored = new Counter({
    name: "media_recordings_stored_total",
    help: "Call recordings stored (WAV written, checksum taken, event published)",
    registers,
  });
  const bytes = new Counter({
    name: "media_recording_bytes_total",
    help: "Bytes of stereo WAV written",
    registers,
  });
  const seconds = new Histogram({
    name: "media_recording_duration_seconds",
    help: "Length of stored recordings",
    buckets: [5, 15, 30, 60, 120, 300, 600, 1800],
    registers,
  });
  const failed = new Counter({
    name: "media_recordings_failed_total",
    help: "Bridged calls without a recording, by reason (each is a recording.failed alarm)",
    labelNames: ["reason"],
    registers,
  });
  return {
    stored(durationMs, n) {
      stored.inc();
      bytes.inc(n);
      seconds.observe(durationMs / 1000);
    },
    failed: (reason) => failed.inc({ reason }),
  };
}
