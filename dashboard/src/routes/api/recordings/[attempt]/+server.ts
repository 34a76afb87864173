// Streams one call recording (WAV) with Range support, after the server decides the viewer may
// hear it. Every playback or download writes a `recording.accessed` audit event, allowed or
// refused; a player's follow-up range requests (seeking) are not counted again, only a request
// from the start of the file. Outside the (app) area guard on purpose, so refused roles are
// audited too. ?download=1 as an attachment (with its sha256), ?mix=mono the mono mix.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { error } from "@sveltejs/kit";
import { scopeFor } from "#lib/server/auth/scope.ts";
import { log } from "#lib/server/log.ts";
import { auditAccess, byteRange, findRecording, mayHear, recordingFile } from "#lib/server/recordings.ts";
import { redis } from "#lib/server/redis.ts";
import type { RequestHandler } from "./$types";

const ATTEMPT = /^[A-Za-z0-9_-]{1,64}$/;

export const GET = (async ({ locals, params, url, request }) => {
  const user = locals.user;
  if (!user) error(401, "sign in first");
  if (!ATTEMPT.test(params.attempt)) error(400, "bad attempt id");
  const action = url.searchParams.get("download") === "1" ? "download" : "play";
  const rangeHeader = request.headers.get("range");
  // A fresh playback or a download: audited. Seeking inside one (range not from 0): not again.
  const counts = action === "download" || !rangeHeader || /^bytes=0-/.test(rangeHeader.trim());
  const audit = async (
    allowed: boolean,
    reason: Parameters<typeof auditAccess>[0]["reason"],
    row = null as Awaited<ReturnType<typeof findRecording>>,
  ) => {
    if (!counts && allowed) return;
    try {
      await auditAccess({ user, attemptId: params.attempt, action, allowed, reason, row });
    } catch (err) {
      // No audit, no audio: compliance needs the trail more than the playback.
      log.error({ err, attempt: params.attempt }, "recording access could not be audited");
      error(503, "audit unavailable");
    }
  };
  const row = await findRecording(user.org, params.attempt);
  if (!row) {
    await audit(false, "not_found");
    error(404, "no such recording");
  }
  const decision = mayHear(user, await scopeFor(await redis(), user), row.agent_id);
  if (!decision.allowed) {
    await audit(false, decision.reason, row);
    error(403, "not your recording");
  }
  const mono = url.searchParams.get("mix") === "mono" && row.mono_path !== "";
  const file = recordingFile(mono ? row.mono_path : row.path);
  const size = file
    ? await stat(file).then(
        (s) => s.size,
        () => null,
      )
    : null;
  if (!file || size === null) {
    await audit(false, "file_missing", row);
    error(410, "recording file is not available here");
  }
  await audit(true, decision.reason, row);
  const range = byteRange(rangeHeader, size);
  if (range === "bad") {
    return new Response(null, { status: 416, headers: { "content-range": `bytes */${size}` } });
  }
  const { start, end } = range ?? { start: 0, end: size - 1 };
  const headers = new Headers({
    "content-type": "audio/wav",
    "accept-ranges": "bytes",
    "content-length": String(end - start + 1),
    "cache-control": "private, no-store",
    "x-recording-sha256": mono ? row.mono_sha256 : row.sha256,
  });
  if (range) headers.set("content-range", `bytes ${start}-${end}/${size}`);
  if (action === "download") {
    headers.set("content-disposition", `attachment; filename="${row.attempt_id}${mono ? ".mono" : ""}.wav"`);
  }
  const body = Readable.toWeb(createReadStream(file, { start, end })) as ReadableStream<Uint8Array>;
  return new Response(body, { status: range ? 206 : 200, headers });
}) satisfies RequestHandler;
