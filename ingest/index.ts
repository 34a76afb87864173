export * from "./src/contracts/index.ts";
export { type ApiKeyConfig, ApiKeyRing, type ApiPrincipal } from "./src/http/auth.ts";
export { type HealthReport, type OpsServer, startOpsServer } from "./src/http/ops-server.ts";
export { parseEnv, runService } from "./src/http/run-service.ts";
export { type IntakeConfig, IntakeEnv, intakeConfigFromEnv } from "./src/intake/config.ts";
export { AdReport, deterministicV7, LeadForm, normalisePhone } from "./src/intake/forms.ts";
export { buildIntakeApp, IDEMPOTENCY_BUCKET, type IntakeHandle, startIntake } from "./src/intake/intake.ts";
export {
  type AsyncPubAck,
  AsyncPublishError,
  AsyncPublisher,
  type AsyncPublisherOptions,
} from "./src/nats/async-publish.ts";
export * from "./src/nats/jetstream.ts";
export { type DeadLetter, deadLetterFor } from "./src/sink/classify.ts";
export { type SinkConfig, SinkEnv, sinkConfigFromEnv } from "./src/sink/config.ts";
export { EVENT_COLUMNS, encodeRowBinary } from "./src/sink/rowbinary.ts";
export { dedupTokenFor, type EventRow, eventToRow, toClickHouseDateTime64 } from "./src/sink/rows.ts";
export { type SinkHandle, type SinkStats, startSink } from "./src/sink/sink.ts";
export { parseStoredJson, type StoredJson, StoredJsonError } from "./src/stored-json.ts";
export * from "./src/subjects.ts";
