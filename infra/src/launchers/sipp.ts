import path from "node:path";
import { LauncherError, type ManagedProcess, releaseTempDir, spawnManaged, tempDir } from "./process.ts";
import { findExecutable, freeUdpPort, udpBound, udpPortFree } from "./support.ts";

export interface Sipp extends AsyncDisposable {
  readonly role: "uas" | "uac";
  /** sipp's SIP port on 127.0.0.1 (UDP unless extraArgs choose another transport). */
  readonly port: number;
  /** RTP port (-mp) when media was asked for. */
  readonly mediaPort: number | undefined;
  /** Working dir: trace files, and where relative paths in a scenario (pcap/…) resolve. */
  readonly dataDir: string;
  /** `-trace_stat` CSV, when asked for. */
  readonly statFile: string | undefined;
  /** `-trace_err` log of unexpected messages, when asked for. */
  readonly errorFile: string | undefined;
  readonly process: ManagedProcess;
  /**
   * sipp's exit code: 0 all calls succeeded, 1 at least one failed, 97 stopped by a command,
   * 99 normal exit without calls processed, 255/254 fatal (254: could not bind).
   */
  readonly exited: Promise<number | null>;
  /** SIGTERM (sipp quits at once, exit 0), SIGKILL after 5 s. */
  stop(): Promise<void>;
}

export interface SippOptions {
  role: "uas" | "uac";
  /** A scenario file (`-sf`); relative paths resolve against the caller's cwd. */
  scenarioFile?: string;
  /** A built-in scenario (`-sn`, e.g. "uas", "uac", "uac_pcap"); used when no scenarioFile. Default: the role. */
  scenario?: string;
  /** UAC only: where to send, "127.0.0.1:5060". */
  remote?: string;
  port?: number;
  /** Pass `-mp`: a free media port (true) or this one. */
  media?: boolean | number;
  /** `-m`: stop after this many calls. */
  calls?: number;
  /** `-r`: calls per second. */
  rate?: number;
  /** `-l`: at most this many simultaneous calls. */
  callLimit?: number;
  /** `-trace_stat` into dataDir/stat.csv. */
  traceStat?: boolean;
  /** `-trace_err` into dataDir/errors.log. */
  traceErr?: boolean;
  /** Appended to the command line as is (e.g. ["-timeout", "30s", "-timeout_error"]). */
  extraArgs?: string[];
  dataDir?: string;
  binary?: string;
  onLine?: (line: string) => void;
}

/** An even port p with p..p+3 free for UDP: sipp's RTP echo uses -mp and -mp+2 (video), RTCP the odd ones. */
async function freeMediaPort(): Promise<number> {
  for (;;) {
    const p = await freeUdpPort();
    const base = p % 2 === 0 ? p : p - 1;
    if (base < 1024 || base + 3 > 65_535) continue;
    let free = true;
    for (let i = 0; i < 4; i++) if (!(await udpPortFree(base + i))) free = false;
    if (free) return base;
  }
}

/**
 * SIPp in the foreground (never -bg: spawnManaged owns the process), bound to 127.0.0.1, no stdin.
 * A UAS is ready once its UDP port is bound; a UAC returns at once and the caller awaits `exited`.
 */
export async function startSipp(opts: SippOptions): Promise<Sipp> {
  const binary = await findExecutable(opts.binary ?? "sipp");
  if (binary === null) {
    throw new LauncherError(
      `sipp not found (${opts.binary ?? "sipp on PATH"}): run npm run setup (it installs the Debian package sip-tester)`,
      "NO_BINARY",
    );
  }
  if (opts.role === "uac" && opts.remote === undefined) {
    throw new LauncherError("a sipp UAC needs `remote` (host:port to call)", "BAD_OPTION");
  }
  const port = opts.port ?? (await freeUdpPort());
  const mediaPort =
    opts.media === true ? await freeMediaPort() : opts.media === false ? undefined : opts.media;
  const dataDir = opts.dataDir ?? (await tempDir(`sipp-${opts.role}`));
  const statFile = opts.traceStat ? path.join(dataDir, "stat.csv") : undefined;
  const errorFile = opts.traceErr ? path.join(dataDir, "errors.log") : undefined;
  const args: string[] = [];
  if (opts.scenarioFile !== undefined) args.push("-sf", path.resolve(opts.scenarioFile));
  else args.push("-sn", opts.scenario ?? opts.role);
  if (opts.remote !== undefined) args.push(opts.remote);
  args.push("-i", "127.0.0.1", "-p", String(port), "-nostdin");
  if (mediaPort !== undefined) args.push("-mp", String(mediaPort));
  if (opts.calls !== undefined) args.push("-m", String(opts.calls));
  if (opts.rate !== undefined) args.push("-r", String(opts.rate));
  if (opts.callLimit !== undefined) args.push("-l", String(opts.callLimit));
  if (statFile !== undefined) args.push("-trace_stat", "-stf", statFile);
  if (errorFile !== undefined) args.push("-trace_err", "-error_file", errorFile);
  args.push(...(opts.extraArgs ?? []));
  const proc = await spawnManaged({
    name: `sipp ${opts.role}`,
    command: binary,
    args,
    cwd: dataDir,
    ready: opts.role === "uas" ? () => udpBound(port) : async () => true,
    onLine: opts.onLine,
  });
  const stop = async () => {
    await proc.stop(5_000);
    if (opts.dataDir === undefined) await releaseTempDir(dataDir);
  };
  return {
    role: opts.role,
    port,
    mediaPort,
    dataDir,
    statFile,
    errorFile,
    process: proc,
    exited: proc.exited,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
