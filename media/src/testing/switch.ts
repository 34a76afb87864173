// drachtio-srf connected to a launched drachtio-server (tests).
import type { DrachtioServer } from "@cc/infra";
import Srf from "drachtio-srf";

export async function connectSwitchForTests(
  server: Pick<DrachtioServer, "adminPort" | "secret">,
): Promise<Srf> {
  const srf = new Srf();
  srf.on("error", () => {});
  await new Promise<void>((resolve, reject) => {
    srf.on("connect", (err) => (err ? reject(err) : resolve()));
    srf.connect({ host: "127.0.0.1", port: server.adminPort, secret: server.secret });
  });
  return srf;
}
