export { type ClickHouseHost, repoRoot, startClickHouseHost } from "./src/launchers/clickhouse.ts";
export { type NatsServer, startNats } from "./src/launchers/nats.ts";
export {
  assertPortFree,
  freePort,
  LauncherError,
  type ManagedProcess,
  spawnManaged,
  tcpReachable,
  tempDir,
} from "./src/launchers/process.ts";
export { type RedisServer, startRedis } from "./src/launchers/redis.ts";
