// 16-bit PCM WAV files, mono or interleaved stereo, and a reader for the files we write (and any
// plain PCM WAV): the chunk walk skips LIST and other chunks before `data`.

export class WavError extends Error {
  readonly code = "BAD_WAV";
  constructor(message: string) {
    super(message);
    this.name = "WavError";
  }
}

/** A WAV file of one or more channels (stereo: channels[0] left, channels[1] right). */
export function wavFile(channels: readonly Int16Array[], sampleRate = 8000): Buffer {
  const n = channels[0]?.length ?? 0;
  if (!channels.length || channels.some((c) => c.length !== n))
    throw new WavError("channels differ in length");
  const ch = channels.length;
  const dataBytes = n * ch * 2;
  const out = Buffer.alloc(44 + dataBytes);
  out.write("RIFF", 0, "ascii");
  out.writeUInt32LE(36 + dataBytes, 4);
  out.write("WAVE", 8, "ascii");
  out.write("fmt ", 12, "ascii");
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20); // PCM
  out.writeUInt16LE(ch, 22);
  out.writeUInt32LE(sampleRate, 24);
  out.writeUInt32LE(sampleRate * ch * 2, 28);
  out.writeUInt16LE(ch * 2, 32);
  out.writeUInt16LE(16, 34);
  out.write("data", 36, "ascii");
  out.writeUInt32LE(dataBytes, 40);
  let o = 44;
  for (let i = 0; i < n; i++) for (let c = 0; c < ch; c++, o += 2) out.writeInt16LE(channels[c]![i]!, o);
  return out;
}

export interface DecodedWav {
  sampleRate: number;
  channels: Int16Array[];
}

export function readWavFile(buf: Buffer): DecodedWav {
  if (buf.length < 12 || buf.toString("ascii", 0, 4) !== "RIFF" || buf.toString("ascii", 8, 12) !== "WAVE")
    throw new WavError("not a RIFF/WAVE file");
  let fmt: { ch: number; rate: number; bits: number; format: number } | null = null;
  for (let o = 12; o + 8 <= buf.length; ) {
    const id = buf.toString("ascii", o, o + 4);
    const size = buf.readUInt32LE(o + 4);
    const body = o + 8;
    if (id === "fmt ") {
      fmt = {
        format: buf.readUInt16LE(body),
        ch: buf.readUInt16LE(body + 2),
        rate: buf.readUInt32LE(body + 4),
        bits: buf.readUInt16LE(body + 14),
      };
    } else if (id === "data") {
      if (fmt?.format !== 1 || fmt.bits !== 16 || fmt.ch < 1) throw new WavError("not 16-bit PCM");
      const frames = Math.floor(Math.min(size, buf.length - body) / (2 * fmt.ch));
      const channels = Array.from({ length: fmt.ch }, () => new Int16Array(frames));
      for (let i = 0; i < frames; i++)
        for (let c = 0; c < fmt.ch; c++) channels[c]![i] = buf.readInt16LE(body + (i * fmt.ch + c) * 2);
      return { sampleRate: fmt.rate, channels };
    }
    o = body + size + (size & 1);
  }
  throw new WavError("no data chunk");
}
