// One clock abstraction, two implementations: virtual time for the simulator (an event heap run
// as fast as the CPU allows) and real time for the demo campaign under `npm start`.

export interface TimerHandle {
  readonly id: number;
}

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Runs fn after delayMs (≥ 0). */
  schedule(delayMs: number, fn: () => void): TimerHandle;
  cancel(h: TimerHandle): void;
}

interface Entry {
  at: number;
  seq: number;
  fn: (() => void) | null;
}

/** Discrete-event clock: a binary heap ordered by (time, insertion order). Deterministic. */
export class VirtualClock implements Clock {
  #now: number;
  #seq = 0;
  #heap: Entry[] = [];
  #byId = new Map<number, Entry>();

  constructor(startMs: number) {
    this.#now = startMs;
  }
  now(): number {
    return this.#now;
  }
  schedule(delayMs: number, fn: () => void): TimerHandle {
    const e: Entry = { at: this.#now + Math.max(0, delayMs), seq: this.#seq++, fn };
    this.#push(e);
    this.#byId.set(e.seq, e);
    return { id: e.seq };
  }
  cancel(h: TimerHandle): void {
    const e = this.#byId.get(h.id);
    if (e) {
      e.fn = null;
      this.#byId.delete(h.id);
    }
  }
  /** Runs events until the heap is empty or the next one is after untilMs; returns events run. */
  runUntil(untilMs: number): number {
    let n = 0;
    while (this.#heap.length > 0 && this.#heap[0]!.at <= untilMs) {
      const e = this.#pop()!;
      this.#now = e.at;
      const fn = e.fn;
      if (fn) {
        this.#byId.delete(e.seq);
        fn();
        n++;
      }
    }
    this.#now = Math.max(this.#now, untilMs);
    return n;
  }
  get pending(): number {
    return this.#byId.size;
  }

  #less(a: Entry, b: Entry): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }
  #push(e: Entry): void {
    const h = this.#heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.#less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }
  #pop(): Entry | undefined {
    const h = this.#heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.#less(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.#less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}

/** Wall-clock timers, optionally sped up (speed 2 = twice as fast as real time). */
export class RealClock implements Clock {
  #seq = 0;
  #timers = new Map<number, NodeJS.Timeout>();
  readonly #origin = Date.now();
  readonly #speed: number;
  constructor(speed = 1) {
    this.#speed = speed;
  }
  now(): number {
    return this.#origin + (Date.now() - this.#origin) * this.#speed;
  }
  schedule(delayMs: number, fn: () => void): TimerHandle {
    const id = this.#seq++;
    const t = setTimeout(
      () => {
        this.#timers.delete(id);
        fn();
      },
      Math.max(0, delayMs / this.#speed),
    );
    this.#timers.set(id, t);
    return { id };
  }
  cancel(h: TimerHandle): void {
    const t = this.#timers.get(h.id);
    if (t) clearTimeout(t);
    this.#timers.delete(h.id);
  }
  /** Cancels every pending timer (shutdown). */
  cancelAll(): void {
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
  }
}
