import { sseSubscribers } from "./metrics.ts";

/**
 * Server-sent events: one ReadableStream per subscriber. Each stream registers a closer so
 * shutdown can end them all (otherwise the HTTP server waits for them).
 */
const open = new Set<() => void>();
const enc = new TextEncoder();

/**
 * One event's bytes per (event, data object): the wallboard sends the same snapshot object
 * to every subscriber of a scope each tick, and stringifying it once per subscriber made
 * the tick's cost grow with the audience (500 × a ~50 kB snapshot every second).
 */
const encoded = new WeakMap<object, Map<string, Uint8Array>>();
function eventBytes(event: string, data: unknown): Uint8Array {
  const text = () => enc.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  if (typeof data !== "object" || data === null) return text();
  let byEvent = encoded.get(data);
  if (!byEvent) {
    byEvent = new Map();
    encoded.set(data, byEvent);
  }
  let bytes = byEvent.get(event);
  if (!bytes) {
    bytes = text();
    byEvent.set(event, bytes);
  }
  return bytes;
}

export interface SseStream {
  response: Response;
  send(event: string, data: unknown): boolean;
  closed: () => boolean;
}

export function sseStream(name: string, onClose: () => void): SseStream {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let isClosed = false;
  const close = () => {
    if (isClosed) return;
    isClosed = true;
    open.delete(close);
    sseSubscribers.dec({ stream: name });
    onClose();
    try {
      controller.close();
    } catch {
      // already closed by the client
    }
  };
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      c.enqueue(enc.encode("retry: 2000\n\n"));
    },
    cancel() {
      close();
    },
  });
  open.add(close);
  sseSubscribers.inc({ stream: name });
  return {
    response: new Response(body, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        connection: "keep-alive",
        "x-accel-buffering": "no",
      },
    }),
    send(event, data) {
      if (isClosed) return false;
      try {
        controller.enqueue(eventBytes(event, data));
        return true;
      } catch {
        close();
        return false;
      }
    },
    closed: () => isClosed,
  };
}

export function stopStreams(): void {
  for (const c of [...open]) c();
}
