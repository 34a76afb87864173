export * from "./src/contracts/index.ts";
export * from "./src/nats/jetstream.ts";
export * from "./src/subjects.ts";
