// Where recordings live: <dataDir>/recordings/<org>/<yyyy-mm-dd>/<attempt>.wav (stereo: customer
// left, agent right) and <attempt>.mono.wav (the mix), each written to a temp name and renamed,
// so a reader never sees half a file. The sha256 goes into the `recording.stored` event.
import { createHash } from "node:crypto";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { type CallTracks, monoMix, RECORDING_RATE } from "./tracks.ts";
import { wavFile } from "./wav.ts";

export interface StoredRecording {
  /** Relative to the data dir (what events and the dashboard carry). */
  path: string;
  bytes: number;
  sha256: string;
  monoPath: string;
  monoSha256: string;
}

const SAFE = /^[A-Za-z0-9_-]{1,64}$/;

export function recordingRelPath(
  orgId: string,
  attemptId: string,
  startedAt: number,
  suffix = ".wav",
): string {
  if (!SAFE.test(orgId) || !SAFE.test(attemptId)) throw new Error("org and attempt ids must be plain ids");
  const day = new Date(startedAt).toISOString().slice(0, 10);
  return path.posix.join("recordings", orgId, day, `${attemptId}${suffix}`);
}

export const sha256Of = (buf: Buffer) => createHash("sha256").update(buf).digest("hex");

export async function storeRecording(o: {
  dataDir: string;
  orgId: string;
  attemptId: string;
  startedAt: number;
  tracks: CallTracks;
}): Promise<StoredRecording> {
  const stereo = wavFile([o.tracks.customer, o.tracks.agent], RECORDING_RATE);
  const mono = wavFile([monoMix(o.tracks)], RECORDING_RATE);
  const rel = recordingRelPath(o.orgId, o.attemptId, o.startedAt);
  const monoRel = recordingRelPath(o.orgId, o.attemptId, o.startedAt, ".mono.wav");
  await mkdir(path.join(o.dataDir, path.dirname(rel)), { recursive: true });
  await writeAtomically(path.join(o.dataDir, rel), stereo);
  await writeAtomically(path.join(o.dataDir, monoRel), mono);
  return {
    path: rel,
    bytes: stereo.length,
    sha256: sha256Of(stereo),
    monoPath: monoRel,
    monoSha256: sha256Of(mono),
  };
}

async function writeAtomically(file: string, data: Buffer): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, data, { flush: true });
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
