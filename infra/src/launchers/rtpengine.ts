import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { LauncherError, type ManagedProcess, spawnManaged, stopAndRelease, tempDir } from "./process.ts";
import { findExecutable, freeUdpPort, udpPortFree, udpRequest } from "./support.ts";

export interface Rtpengine extends AsyncDisposable {
  /** NG control protocol (bencode over UDP) on 127.0.0.1. */
  readonly ngPort: number;
  /** rtpengine-ctl's CLI port (TCP) on 127.0.0.1. */
  readonly cliPort: number;
  /** Media (RTP/RTCP) ports on 127.0.0.1, inclusive. */
  readonly portMin: number;
  readonly portMax: number;
  /** pcap recordings (pcaps/, metadata/). */
  readonly recordingDir: string;
  /** Temp dir holding the pidfile (and the recordings unless `recordingDir` was given). */
  readonly dataDir: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

export interface RtpengineOptions {
  ngPort?: number;
  cliPort?: number;
  /** Media port range; when omitted a free block of `portCount` ports inside 20000–59999. */
  portMin?: number;
  portMax?: number;
  /** Size of the media port range (default 2000: ~1000 RTP/RTCP pairs, ~500 bridged calls). */
  portCount?: number;
  recordingDir?: string;
  /** `--endpoint-learning` (rtpengine's default is delayed). */
  endpointLearning?: "delayed" | "immediate" | "off" | "heuristic";
  /** `--log-level`, syslog levels 0–7 (rtpengine's default 6 logs every NG command). */
  logLevel?: number;
  /** Appended to the command line as is. */
  extraArgs?: string[];
  onLine?: (line: string) => void;
  binary?: string;
}

const RANGE_LOW = 20_000;
const RANGE_HIGH = 59_999;

/** Blocks this process holds: two rtpengines of one test run never share ports. */
const blocksHeld = new Set<number>();
/**
 * Blocks held by other processes (benchmarks, npm start, another vitest): one file per block,
 * naming the pids that hold it; a block whose pids are all gone is free again.
 */
const lockDir = path.join(tmpdir(), "cc-rtpengine-port-blocks");

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
};

async function claimBlockFile(portMin: number): Promise<string | null> {
  await mkdir(lockDir, { recursive: true });
  const file = path.join(lockDir, String(portMin));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(file, "wx");
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      return file;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const pids = (await readFile(file, "utf8").catch(() => ""))
        .split(/\s+/)
        .map(Number)
        .filter((n) => Number.isInteger(n) && n > 0);
      if (pids.some(alive)) return null;
      await rm(file, { force: true }); // stale: its holders are gone
    }
  }
  return null;
}

/** A random aligned block inside 20000–59999 that no live launcher holds and whose probed ports are free. */
async function pickPortBlock(count: number): Promise<{ portMin: number; portMax: number; lockFile: string }> {
  const blocks = Math.floor((RANGE_HIGH + 1 - RANGE_LOW) / count);
  if (blocks < 1)
    throw new LauncherError(`portCount ${count} does not fit in ${RANGE_LOW}–${RANGE_HIGH}`, "BAD_OPTION");
  const order = [...Array(blocks).keys()];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  for (const i of order) {
    const portMin = RANGE_LOW + i * count;
    const portMax = portMin + count - 1;
    if (blocksHeld.has(portMin)) continue;
    const probes = [portMin, portMin + 1, portMin + Math.floor(count / 2), portMax - 1, portMax];
    let free = true;
    for (const p of probes) if (!(await udpPortFree(p))) free = false;
    if (!free) continue;
    const lockFile = await claimBlockFile(portMin);
    if (lockFile === null) continue;
    return { portMin, portMax, lockFile };
  }
  throw new LauncherError(
    `no free block of ${count} media ports in ${RANGE_LOW}–${RANGE_HIGH} (held ones are listed in ${lockDir}); pass portMin/portMax or a smaller portCount`,
    "NO_PORTS",
  );
}

/** One NG `ping`; true when rtpengine answers `pong`. */
export async function ngPing(ngPort: number, timeoutMs = 500): Promise<boolean> {
  const cookie = randomBytes(6).toString("hex");
  const reply = await udpRequest(ngPort, `${cookie} d7:command4:pinge`, timeoutMs);
  return reply !== null && reply.toString("latin1") === `${cookie} d6:result4:ponge`;
}

/**
 * rtpengine in userspace (no kernel table) on 127.0.0.1, in the foreground so it dies with its
 * owner, pcap recordings into a temp dir. Ready when an NG `ping` answers `pong`.
 */
export async function startRtpengine(opts: RtpengineOptions = {}): Promise<Rtpengine> {
  const binary = await findExecutable(opts.binary ?? "rtpengine");
  if (binary === null) {
    throw new LauncherError(
      `rtpengine binary not found (${opts.binary ?? "rtpengine on PATH"}): run npm run setup (it installs the Debian package rtpengine-daemon)`,
      "NO_BINARY",
    );
  }
  const ngPort = opts.ngPort ?? (await freeUdpPort());
  const cliPort = opts.cliPort ?? (await freeUdpPort());
  const count = opts.portCount ?? 2000;
  let portMin: number;
  let portMax: number;
  let lockFile: string | undefined;
  if (opts.portMin !== undefined || opts.portMax !== undefined) {
    portMin = opts.portMin ?? (opts.portMax as number) - count + 1;
    portMax = opts.portMax ?? portMin + count - 1;
    if (!(portMin > 0 && portMax <= 65_535 && portMin < portMax)) {
      throw new LauncherError(`bad rtpengine media port range ${portMin}–${portMax}`, "BAD_OPTION");
    }
  } else {
    ({ portMin, portMax, lockFile } = await pickPortBlock(count));
  }
  blocksHeld.add(portMin);
  const release = async () => {
    blocksHeld.delete(portMin);
    if (lockFile !== undefined) await rm(lockFile, { force: true });
  };
  try {
    const dataDir = await tempDir("rtpengine");
    const recordingDir = opts.recordingDir ?? path.join(dataDir, "recordings");
    await mkdir(recordingDir, { recursive: true });
    const args = [
      "--config-file=none",
      "--table=-1",
      "--interface=127.0.0.1",
      `--listen-ng=127.0.0.1:${ngPort}`,
      `--listen-cli=127.0.0.1:${cliPort}`,
      `--port-min=${portMin}`,
      `--port-max=${portMax}`,
      "--foreground",
      "--log-stderr",
      `--pidfile=${path.join(dataDir, "rtpengine.pid")}`,
      `--recording-dir=${recordingDir}`,
      "--recording-method=pcap",
      "--delete-delay=0",
    ];
    if (opts.endpointLearning !== undefined) args.push(`--endpoint-learning=${opts.endpointLearning}`);
    if (opts.logLevel !== undefined) args.push(`--log-level=${opts.logLevel}`);
    args.push(...(opts.extraArgs ?? []));
    const proc = await spawnManaged({
      name: "rtpengine",
      command: binary,
      args,
      // Its working dir is where a crash leaves its core file: the data dir, not the caller's.
      cwd: dataDir,
      ready: () => ngPing(ngPort, 200),
      onLine: opts.onLine,
    });
    if (lockFile !== undefined) {
      const fh = await open(lockFile, "a");
      await fh.writeFile(`${proc.pid}\n`);
      await fh.close();
    }
    const stop = async () => {
      await stopAndRelease(proc, dataDir, undefined);
      await release();
    };
    return {
      ngPort,
      cliPort,
      portMin,
      portMax,
      recordingDir,
      dataDir,
      process: proc,
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (err) {
    await release();
    throw err;
  }
}
