import { requireArea } from "#lib/server/auth/guard.ts";
import { scopeFor } from "#lib/server/auth/scope.ts";
import { redis } from "#lib/server/redis.ts";
import { sseStream } from "#lib/server/streams.ts";
import { wallboard } from "#lib/server/wallboard/ticker.ts";
import type { RequestHandler } from "./$types";

/** Server-sent wallboard snapshots, one per tick, filtered to the viewer's scope. */
export const GET: RequestHandler = async ({ locals }) => {
  const user = requireArea(locals, "wallboard");
  const scope = await scopeFor(await redis(), user);
  let unsubscribe = () => {};
  const stream = sseStream("wallboard", () => unsubscribe());
  unsubscribe = wallboard.subscribe(scope, (snap) => {
    stream.send("snapshot", snap);
  });
  return stream.response;
};
