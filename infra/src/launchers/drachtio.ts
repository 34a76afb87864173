import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { repoRoot } from "./clickhouse.ts";
import {
  freePort,
  LauncherError,
  type ManagedProcess,
  spawnManaged,
  stopAndRelease,
  tcpReachable,
  tempDir,
} from "./process.ts";
import { findExecutable, freeUdpPort, udpRequest } from "./support.ts";

export interface DrachtioServer extends AsyncDisposable {
  /** Where drachtio-srf apps connect (`srf.connect({ host: "127.0.0.1", port: adminPort, secret })`). */
  readonly adminPort: number;
  readonly secret: string;
  /** SIP over UDP and TCP, both on this port. */
  readonly sipPort: number;
  /** SIP over WebSocket (subprotocol "sip"), for browsers: ws://127.0.0.1:<wsPort>. */
  readonly wsPort: number;
  /** `sip:127.0.0.1:<sipPort>` */
  readonly sipUri: string;
  /** Holds drachtio.conf.xml. */
  readonly dataDir: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

export type DrachtioLogLevel = "error" | "warning" | "notice" | "info" | "debug";

export interface DrachtioOptions {
  adminPort?: number;
  sipPort?: number;
  wsPort?: number;
  /** Shared secret for the admin port; a random one when omitted. */
  secret?: string;
  /** drachtio's own log level (default "info": one line per SIP message and app event). */
  logLevel?: DrachtioLogLevel;
  /** sofia-sip's log level, 0–9 (default 1). */
  sofiaLogLevel?: number;
  /** Where the config goes; a temp dir when omitted. */
  dataDir?: string;
  /** Default: $DRACHTIO_BIN, else <repo>/bin/drachtio (built by `npm run setup`). */
  binary?: string;
  /** Appended to the command line as is (e.g. "--always-send-180"). */
  extraArgs?: string[];
  onLine?: (line: string) => void;
}

const xmlAttr = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function configXml(o: {
  adminPort: number;
  secret: string;
  sipPort: number;
  wsPort: number;
  logLevel: DrachtioLogLevel;
  sofiaLogLevel: number;
}): string {
  return `<drachtio>
  <admin port="${o.adminPort}" secret="${xmlAttr(o.secret)}">127.0.0.1</admin>
  <sip>
    <contacts>
      <contact>sip:127.0.0.1:${o.sipPort};transport=udp,tcp</contact>
      <contact>sip:127.0.0.1:${o.wsPort};transport=ws</contact>
    </contacts>
  </sip>
  <cdrs>false</cdrs>
  <logging>
    <console/>
    <sofia-loglevel>${o.sofiaLogLevel}</sofia-loglevel>
    <loglevel>${o.logLevel}</loglevel>
  </logging>
</drachtio>
`;
}

/**
 * One SIP OPTIONS over UDP; true on any SIP response. With no app connected (or none that
 * registered for OPTIONS) drachtio-server answers 503 itself, so this tests the SIP stack alone.
 */
export async function sipOptionsAnswered(sipPort: number, timeoutMs = 500): Promise<boolean> {
  const id = randomBytes(8).toString("hex");
  const reply = await udpRequest(
    sipPort,
    (localPort) =>
      [
        `OPTIONS sip:127.0.0.1:${sipPort} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${localPort};rport;branch=z9hG4bK${id}`,
        "Max-Forwards: 70",
        `From: <sip:probe@127.0.0.1:${localPort}>;tag=${id}`,
        `To: <sip:127.0.0.1:${sipPort}>`,
        `Call-ID: ${id}@127.0.0.1`,
        "CSeq: 1 OPTIONS",
        "User-Agent: cc-launcher-probe",
        "Content-Length: 0",
        "",
        "",
      ].join("\r\n"),
    timeoutMs,
  );
  return reply?.toString("latin1").startsWith("SIP/2.0 ") === true;
}

/**
 * drachtio-server on 127.0.0.1 from an XML config in a temp dir: admin port with a generated
 * secret, SIP over UDP+TCP on one port, SIP over WebSocket on another, logging to the console.
 * Ready when the admin and WebSocket ports accept TCP and a SIP OPTIONS over UDP is answered.
 */
export async function startDrachtio(opts: DrachtioOptions = {}): Promise<DrachtioServer> {
  const wanted = opts.binary ?? process.env.DRACHTIO_BIN ?? path.join(repoRoot, "bin/drachtio");
  const binary = await findExecutable(wanted);
  if (binary === null) {
    throw new LauncherError(
      `drachtio-server binary not found at ${wanted}: run npm run setup (it builds drachtio-server into bin/drachtio), or set DRACHTIO_BIN`,
      "NO_BINARY",
    );
  }
  const adminPort = opts.adminPort ?? (await freePort());
  const sipPort = opts.sipPort ?? (await freeUdpPort());
  const wsPort = opts.wsPort ?? (await freePort());
  const secret = opts.secret ?? randomBytes(16).toString("hex");
  const dataDir = opts.dataDir ?? (await tempDir("drachtio"));
  await mkdir(dataDir, { recursive: true });
  const configFile = path.join(dataDir, "drachtio.conf.xml");
  await writeFile(
    configFile,
    configXml({
      adminPort,
      secret,
      sipPort,
      wsPort,
      logLevel: opts.logLevel ?? "info",
      sofiaLogLevel: opts.sofiaLogLevel ?? 1,
    }),
  );
  const proc = await spawnManaged({
    name: "drachtio-server",
    command: binary,
    args: ["-f", configFile, ...(opts.extraArgs ?? [])],
    cwd: dataDir,
    ready: async () =>
      (await tcpReachable(adminPort)) &&
      (await tcpReachable(wsPort)) &&
      (await sipOptionsAnswered(sipPort, 200)),
    onLine: opts.onLine,
  });
  return {
    adminPort,
    secret,
    sipPort,
    wsPort,
    sipUri: `sip:127.0.0.1:${sipPort}`,
    dataDir,
    process: proc,
    stop: () => stopAndRelease(proc, dataDir, opts.dataDir),
    [Symbol.asyncDispose]: () => stopAndRelease(proc, dataDir, opts.dataDir),
  };
}
