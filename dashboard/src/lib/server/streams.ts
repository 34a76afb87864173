import { sseSubscribers } from "./metrics.ts";

/**
 * Server-sent events: one ReadableStream per subscriber. Each stream registers a closer so
 * shutdown can end them all (otherwise the HTTP server waits for them).
 */
const open = new Set<() => void>();

export interface SseStream {
  response: Response;
  send(event: string, data: unknown): boolean;
  closed: () => boolean;
}

export function sseStream(name: string, onClose: () => void): SseStream {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let isClosed = false;
  const enc = new TextEncoder();
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
        controller.enqueue(enc.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
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
