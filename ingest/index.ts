export * from "./src/contracts/index.ts";
export * from "./src/subjects.ts";
