import { inboundPop, liveSelf, phoneDevice } from "#lib/server/agent-console.ts";
import { requireArea } from "#lib/server/auth/guard.ts";
import { sseStream } from "#lib/server/streams.ts";
import type { RequestHandler } from "./$types";

/**
 * The agent's own live state, pushed when it changes (Redis live state, checked every 300 ms),
 * and their phone on the switch ("device": "webrtc" | "sip" | "").
 */
export const GET: RequestHandler = async ({ locals }) => {
  const user = requireArea(locals, "console");
  let timer: NodeJS.Timeout | undefined;
  const stream = sseStream("console", () => clearInterval(timer));
  let last = "";
  let lastDevice: string | null = null;
  let lastPop = "";
  const check = async () => {
    const live = await liveSelf(user).catch(() => null);
    const body = JSON.stringify(live);
    if (body !== last) {
      last = body;
      stream.send("agent", live);
    }
    // An inbound caller put through to this agent: the page pops their card ("inbound").
    const pop = JSON.stringify(await inboundPop(user).catch(() => null));
    if (pop !== lastPop) {
      lastPop = pop;
      stream.send("inbound", JSON.parse(pop));
    }
    const device = await phoneDevice(user).catch(() => lastDevice);
    if (device !== null && device !== lastDevice) {
      lastDevice = device;
      stream.send("device", { device });
    }
  };
  void check();
  timer = setInterval(() => void check(), 300);
  return stream.response;
};
