import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import { type ApiKeyRing, presentedKey } from "./auth.ts";

export interface HealthReport {
  ok: boolean;
  [k: string]: unknown;
}

export interface OpsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * /health (unauthenticated, 200 or 503 with the checks) and /metrics (API key) for a worker
 * process that has no other HTTP surface.
 */
export async function startOpsServer(opts: {
  host: string;
  port: number;
  health: () => Promise<HealthReport>;
  registry: Registry;
  keys: ApiKeyRing;
}): Promise<OpsServer> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const send = (status: number, body: string, type = "application/json") => {
      res.writeHead(status, { "content-type": type });
      res.end(body);
    };
    if (req.method !== "GET") return send(405, JSON.stringify({ error: "method not allowed" }));
    if (url.pathname === "/health") {
      opts
        .health()
        .then((h) => send(h.ok ? 200 : 503, JSON.stringify(h)))
        .catch((err: Error) => send(503, JSON.stringify({ ok: false, error: err.message })));
      return;
    }
    if (url.pathname === "/metrics") {
      if (opts.keys.verify(presentedKey(req.headers)) === undefined) {
        res.setHeader("www-authenticate", 'Bearer realm="metrics"');
        return send(401, JSON.stringify({ error: "missing or unknown API key" }));
      }
      opts.registry
        .metrics()
        .then((m) => send(200, m, opts.registry.contentType))
        .catch((err: Error) => send(500, JSON.stringify({ error: err.message })));
      return;
    }
    send(404, JSON.stringify({ error: "not found" }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
