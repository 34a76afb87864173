import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export const registry = new Registry();
registry.setDefaultLabels({ service: "dashboard" });
collectDefaultMetrics({ register: registry });

export const httpRequests = new Counter({
  name: "dashboard_http_requests_total",
  help: "HTTP requests by route and status",
  labelNames: ["route", "status"] as const,
  registers: [registry],
});
export const httpDuration = new Histogram({
  name: "dashboard_http_request_seconds",
  help: "HTTP request duration by route",
  labelNames: ["route"] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [registry],
});
export const loginFailures = new Counter({
  name: "dashboard_login_failures_total",
  help: "Failed sign-ins (wrong credentials or rate-limited)",
  labelNames: ["reason"] as const,
  registers: [registry],
});
export const sseSubscribers = new Gauge({
  name: "dashboard_sse_subscribers",
  help: "Open server-sent-event streams",
  labelNames: ["stream"] as const,
  registers: [registry],
});
export const snapshotDuration = new Histogram({
  name: "dashboard_wallboard_snapshot_seconds",
  help: "Time to compute one wallboard snapshot (all scopes)",
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
  registers: [registry],
});
export const publishedEvents = new Counter({
  name: "dashboard_published_events_total",
  help: "Events the dashboard published (agent actions)",
  labelNames: ["kind"] as const,
  registers: [registry],
});
