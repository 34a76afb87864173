export * from "./src/contracts/index.ts";
export { type ApiKeyConfig, ApiKeyRing, type ApiPrincipal } from "./src/http/auth.ts";
export * from "./src/nats/jetstream.ts";
export { type SinkConfig, SinkEnv, sinkConfigFromEnv } from "./src/sink/config.ts";
export { dedupTokenFor, type EventRow, eventToRow, toClickHouseDateTime64 } from "./src/sink/rows.ts";
export { type DeadLetter, type SinkHandle, type SinkStats, startSink } from "./src/sink/sink.ts";
export * from "./src/subjects.ts";
