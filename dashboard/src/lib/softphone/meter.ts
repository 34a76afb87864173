/** RMS level (0…1) of a media stream through a Web Audio AnalyserNode. */
export class AudioMeter {
  readonly #source: MediaStreamAudioSourceNode;
  readonly #analyser: AnalyserNode;
  readonly #buf: Float32Array<ArrayBuffer>;

  constructor(ctx: AudioContext, stream: MediaStream) {
    this.#source = ctx.createMediaStreamSource(stream);
    this.#analyser = ctx.createAnalyser();
    this.#analyser.fftSize = 2048;
    this.#buf = new Float32Array(this.#analyser.fftSize);
    // Analysed only: the analyser is not connected to the speakers (an <audio> element plays).
    this.#source.connect(this.#analyser);
  }

  /** RMS of the last ~43 ms (2048 samples at 48 kHz). */
  level(): number {
    this.#analyser.getFloatTimeDomainData(this.#buf);
    let sum = 0;
    for (const x of this.#buf) sum += x * x;
    return Math.sqrt(sum / this.#buf.length);
  }

  close(): void {
    this.#source.disconnect();
    this.#analyser.disconnect();
  }
}
