export {
  IDENTITIES,
  type Identity,
  type IdentityPasswords,
  natsUsers,
  redisUsers,
} from "./src/identities.ts";
export { type ClickHouseHost, repoRoot, startClickHouseHost } from "./src/launchers/clickhouse.ts";
export {
  type DrachtioLogLevel,
  type DrachtioOptions,
  type DrachtioServer,
  sipOptionsAnswered,
  startDrachtio,
} from "./src/launchers/drachtio.ts";
export { type NatsServer, startNats } from "./src/launchers/nats.ts";
export {
  assertPortFree,
  freePort,
  LauncherError,
  type ManagedProcess,
  releaseTempDir,
  spawnManaged,
  sweepStaleTempDirs,
  tcpReachable,
  tempDir,
} from "./src/launchers/process.ts";
export { type RedisServer, startRedis } from "./src/launchers/redis.ts";
export { ngPing, type Rtpengine, type RtpengineOptions, startRtpengine } from "./src/launchers/rtpengine.ts";
export { type Sipp, type SippOptions, startSipp } from "./src/launchers/sipp.ts";
export { freeUdpPort, udpPortFree } from "./src/launchers/support.ts";
export { STACK_SERVICES_KEY, type StackStatusPublisher, startStackStatus } from "./src/stack-status.ts";
export {
  backoffDelay,
  type Incarnation,
  incarnationOf,
  type ServiceStatus,
  Supervisor,
} from "./src/supervisor.ts";
