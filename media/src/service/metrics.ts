// Prometheus metrics of the media service.
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { MediaService, MediaServiceMetrics } from "./service.ts";

export function mediaMetrics(registry: Registry): MediaServiceMetrics & { watch(svc: MediaService): void } {
  const registers = [registry];
  const commands = new Counter({
    name: "media_dial_commands_total",
    help: "Dial commands by result (dialed, duplicate, blocked, invalid) and block reason",
    labelNames: ["result", "reason"],
    registers,
  });
  const outcomes = new Counter({
    name: "media_call_outcomes_total",
    help: "Calls ended, by outcome",
    labelNames: ["outcome"],
    registers,
  });
  const bridgeWait = new Histogram({
    name: "media_bridge_wait_ms",
    help: "From the human verdict to the agent bridged, milliseconds",
    buckets: [5, 10, 25, 50, 100, 250, 500, 1000, 1500, 2000],
    registers,
  });
  const messageDelay = new Histogram({
    name: "media_abandon_message_delay_ms",
    help: "From the human verdict to the abandon message starting (2-second rule), milliseconds",
    buckets: [250, 500, 1000, 1500, 1750, 2000, 3000],
    registers,
  });
  const abandonedNoMessage = new Counter({
    name: "media_abandoned_without_message_total",
    help: "Abandoned calls where no message could be played (caller hung up first, or no audio)",
    registers,
  });
  const ownerRoutes = new Counter({
    name: "media_named_agent_routing_total",
    help: "Answers of commands naming the agent the lead was taken for: bridged to them (owner) or, as they were no longer available, to another agent by the usual rule (fallback)",
    labelNames: ["result"],
    registers,
  });
  const events = new Counter({
    name: "media_events_published_total",
    help: "Events published",
    labelNames: ["kind"],
    registers,
  });
  const publishFailures = new Counter({
    name: "media_event_publish_failures_total",
    help: "Events given up on after retries",
    registers,
  });
  const losses = new Counter({
    name: "media_component_losses_total",
    help: "Times drachtio-server (switch) or rtpengine (engine) was lost, with the calls in hand",
    labelNames: ["what"],
    registers,
  });
  const qualityLegs = new Counter({
    name: "media_call_quality_legs_total",
    help: "Call legs measured at call end, by leg (customer, agent) and source (rtpengine, estimate, none)",
    labelNames: ["leg", "source"],
    registers,
  });
  const mos = new Histogram({
    name: "media_call_quality_mos",
    help: "MOS of call legs at call end (rtpengine's, or the E-model estimate)",
    labelNames: ["leg"],
    buckets: [1.5, 2, 2.5, 3, 3.5, 3.8, 4, 4.2, 4.4],
    registers,
  });
  return {
    quality: (leg, q) => {
      qualityLegs.inc({ leg, source: q.source });
      if (q.mos !== undefined) mos.observe({ leg }, q.mos);
    },
    dialResult: (r, reason) => commands.inc({ result: r, reason: reason ?? "" }),
    outcome: (kind) => outcomes.inc({ outcome: kind }),
    bridged: (ms) => bridgeWait.observe(ms),
    ownerRouted: (result) => ownerRoutes.inc({ result }),
    abandoned: (ms) => (ms === null ? abandonedNoMessage.inc() : messageDelay.observe(ms)),
    published: (kind) => events.inc({ kind }),
    publishFailed: () => publishFailures.inc(),
    lost: (what) => losses.inc({ what }),
    watch(svc) {
      new Gauge({
        name: "media_calls_active",
        help: "Customer calls in hand",
        registers,
        collect() {
          this.set(svc.cc.activeCalls);
        },
      });
      new Gauge({
        name: "media_agent_phones",
        help: "Agents' phones connected",
        registers,
        collect() {
          this.set(svc.sessions.list().length);
        },
      });
      new Gauge({
        name: "media_calls_waiting_for_agent",
        help: "Live answers waiting for an agent",
        registers,
        collect() {
          this.set(svc.floor.waiting);
        },
      });
      new Gauge({
        name: "media_monitored_calls",
        help: "Calls a supervisor is listening to, whispering to or barging into",
        registers,
        collect() {
          this.set(svc.monitors.active);
        },
      });
      new Gauge({
        name: "media_components_up",
        help: "1 when drachtio-server and rtpengine are both reachable",
        registers,
        collect() {
          this.set(svc.health().ok ? 1 : 0);
        },
      });
    },
  };
}
