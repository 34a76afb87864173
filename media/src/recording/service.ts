// Recording inside the media service: the recorder follows call control (every bridged call), and
// the retention sweep runs at start and then every hour for the service's org.
import type { EventFields } from "@cc/ingest";
import type { Logger } from "pino";
import type { Rtpengine } from "../engine/rtpengine.ts";
import { CallRecorder, type RecordableCalls, type RecordingMetrics } from "./recorder.ts";
import { sweepRecordings } from "./retention.ts";

export interface RecordingOptions {
  /** rtpengine's `--recording-dir` (same box: the media service reads its pcaps). */
  spoolDir: string;
  /** CC_DATA_DIR: recordings go under recordings/<org>/<day>/. */
  dataDir: string;
  /** Days a recording is kept (the org's retention). */
  retentionDays: number;
  sweepEveryMs?: number;
  metrics?: RecordingMetrics;
  closeTimeoutMs?: number;
}

export interface Recordings {
  readonly recorder: CallRecorder;
  stop(): Promise<void>;
}

export function startRecordings(
  o: RecordingOptions & {
    engine: Rtpengine;
    orgId: string;
    cc: RecordableCalls;
    emit: (f: EventFields) => void;
    log: Logger;
  },
): Recordings {
  const log = o.log.child({ part: "recording" });
  const recorder = new CallRecorder({
    engine: o.engine,
    spoolDir: o.spoolDir,
    dataDir: o.dataDir,
    orgId: o.orgId,
    emit: o.emit,
    log,
    ...(o.metrics ? { metrics: o.metrics } : {}),
    ...(o.closeTimeoutMs !== undefined ? { closeTimeoutMs: o.closeTimeoutMs } : {}),
  });
  const unfollow = recorder.follow(o.cc);
  const sweep = () =>
    sweepRecordings({ dataDir: o.dataDir, orgId: o.orgId, retentionDays: o.retentionDays, emit: o.emit })
      .then((r) => r.deletedCalls && log.info(r, "retention: old recordings deleted"))
      .catch((err: unknown) => log.error({ err }, "retention sweep failed"));
  void sweep();
  const timer = setInterval(sweep, o.sweepEveryMs ?? 3_600_000);
  timer.unref();
  return {
    recorder,
    async stop() {
      clearInterval(timer);
      unfollow();
      await recorder.settled();
    },
  };
}
