type Falsy = undefined | null | false;

/** Polls `fn` (sync or async) every 20 ms until it gives something truthy (returned), or fails after `ms`. */
export async function waitFor<T>(fn: () => T | Falsy | Promise<T | Falsy>, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
