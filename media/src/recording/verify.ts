// Checks a stored recording the way a compliance officer would: the file is there, its checksum
// is the one recorded, it decodes, lasts as long as the call, and each channel carries its own
// side's audio. Tests and `npm run bench -- inbound` (recordings_ok) send a known tone from each
// side and check them here with a Goertzel filter per 20 ms frame.
import { readFile } from "node:fs/promises";
import { toneShare } from "../cpa/goertzel.ts";
import { sha256Of } from "./store.ts";
import { readWavFile } from "./wav.ts";

export interface ExpectedTones {
  /** Tone the customer side sent (left channel), Hz. */
  customerHz: number;
  /** Tone the agent side sent (right channel), Hz. */
  agentHz: number;
  /** Least tone per channel to count as carried (default 1000 ms). */
  minToneMs?: number;
  /** The checksum stored with the recording, when known. */
  sha256?: string;
  /** Expected duration and tolerance (default ±1000 ms). */
  durationMs?: number;
  durationToleranceMs?: number;
}

export interface RecordingCheck {
  ok: boolean;
  /** What failed, empty when ok. */
  problems: string[];
  durationMs: number;
  channels: number;
  sha256: string;
  /** Milliseconds of each tone found on each channel. */
  customerToneMs: number;
  agentToneMs: number;
  /** The other side's tone leaking into a channel (should be ~0). */
  customerChannelAgentToneMs: number;
  agentChannelCustomerToneMs: number;
}

const FRAME = 160;
const TONE_SHARE = 0.5;

export async function verifyRecording(file: string, expected: ExpectedTones): Promise<RecordingCheck> {
  const problems: string[] = [];
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    return failed(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const sha256 = sha256Of(buf);
  if (expected.sha256 && expected.sha256 !== sha256) problems.push("checksum differs from the stored one");
  let wav: ReturnType<typeof readWavFile>;
  try {
    wav = readWavFile(buf);
  } catch (err) {
    return { ...failed(`not a playable WAV: ${(err as Error).message}`), sha256 };
  }
  const [left, right] = wav.channels;
  const durationMs = Math.round(((left?.length ?? 0) * 1000) / wav.sampleRate);
  if (wav.channels.length !== 2 || !left || !right)
    problems.push(`expected 2 channels, found ${wav.channels.length}`);
  const ms = (pcm: Int16Array | undefined, hz: number) => (pcm ? toneMs(pcm, hz, wav.sampleRate) : 0);
  const check: RecordingCheck = {
    ok: false,
    problems,
    durationMs,
    channels: wav.channels.length,
    sha256,
    customerToneMs: ms(left, expected.customerHz),
    agentToneMs: ms(right, expected.agentHz),
    customerChannelAgentToneMs: ms(left, expected.agentHz),
    agentChannelCustomerToneMs: ms(right, expected.customerHz),
  };
  const min = expected.minToneMs ?? 1_000;
  if (check.customerToneMs < min)
    problems.push(`customer channel: ${check.customerToneMs} ms of ${expected.customerHz} Hz`);
  if (check.agentToneMs < min)
    problems.push(`agent channel: ${check.agentToneMs} ms of ${expected.agentHz} Hz`);
  if (check.customerChannelAgentToneMs > check.customerToneMs / 10)
    problems.push("the agent's tone is in the customer channel");
  if (check.agentChannelCustomerToneMs > check.agentToneMs / 10)
    problems.push("the customer's tone is in the agent channel");
  if (expected.durationMs !== undefined) {
    const tol = expected.durationToleranceMs ?? 1_000;
    if (Math.abs(durationMs - expected.durationMs) > tol)
      problems.push(`lasts ${durationMs} ms, expected ${expected.durationMs} ± ${tol} ms`);
  }
  check.ok = problems.length === 0;
  return check;
}

/** Milliseconds of 20 ms frames in which `hz` dominates. */
export function toneMs(pcm: Int16Array, hz: number, rate = 8000): number {
  let frames = 0;
  for (let o = 0; o + FRAME <= pcm.length; o += FRAME)
    if (toneShare(pcm.subarray(o, o + FRAME), hz, rate) > TONE_SHARE) frames++;
  return (frames * FRAME * 1000) / rate;
}

function failed(problem: string): RecordingCheck {
  return {
    ok: false,
    problems: [problem],
    durationMs: 0,
    channels: 0,
    sha256: "",
    customerToneMs: 0,
    agentToneMs: 0,
    customerChannelAgentToneMs: 0,
    agentChannelCustomerToneMs: 0,
  };
}
