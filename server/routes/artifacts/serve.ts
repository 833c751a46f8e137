// One artifact download: the representation the client accepts best among those fleetd has
// ready (zstd, gzip or the file itself), with a strong ETag per representation, 304 for a
// client or proxy that holds it, and byte ranges of it (206/416) so a cut download resumes.
// A URL that names the build's SHA-256 never changes what it serves, so a proxy may keep it
// for good; the plain file name may point at another build tomorrow and must be revalidated.
import type { Context } from "hono";
import type { EncodingSource } from "../../artifact-encodings.ts";
import type { AppEnv } from "../../context.ts";
import { notFound } from "../../errors.ts";
import { clientHasCurrent } from "../conditional.ts";
import { acceptedCodings, type Coding, ifRangeHolds, rangeOf } from "./negotiate.ts";

const IMMUTABLE = "public, max-age=31536000, immutable";
const REVALIDATE = "public, no-cache";

interface Representation {
  coding: Coding;
  path: string;
  size: number;
  etag: string;
}

export function serveArtifact(c: Context<AppEnv>, name: string, pinnedSha256: string | null): Response {
  const entry = c.get("fleet").artifacts.entryOf(name);
  if (!entry || (pinnedSha256 !== null && entry.sha256 !== pinnedSha256)) {
    const which = pinnedSha256 === null ? "" : ` with SHA-256 ${pinnedSha256.slice(0, 12)}…`;
    throw notFound(`no artifact named "${name.slice(0, 100)}"${which} in the manifest`);
  }
  const rep = _choose(c, entry, acceptedCodings(c.req.header("accept-encoding")));
  const headers = new Headers({
    etag: rep.etag,
    vary: "Accept-Encoding",
    "cache-control": pinnedSha256 === null ? REVALIDATE : IMMUTABLE,
    "accept-ranges": "bytes",
  });
  if (clientHasCurrent(c, rep.etag)) return new Response(null, { status: 304, headers });
  headers.set("content-type", "application/octet-stream");
  headers.set("content-disposition", `attachment; filename="${name}"`);
  if (rep.coding !== "identity") headers.set("content-encoding", rep.coding);
  const file = Bun.file(rep.path);
  const ask = ifRangeHolds(c.req.header("if-range"), rep.etag)
    ? rangeOf(c.req.header("range"), rep.size)
    : ({ kind: "whole" } as const);
  if (ask.kind === "unsatisfiable") {
    headers.set("content-range", `bytes */${rep.size}`);
    headers.delete("content-disposition");
    return new Response(null, { status: 416, headers });
  }
  if (ask.kind === "part") {
    headers.set("content-range", `bytes ${ask.start}-${ask.end}/${rep.size}`);
    headers.set("content-length", String(ask.end - ask.start + 1));
    return new Response(file.slice(ask.start, ask.end + 1), { status: 206, headers });
  }
  headers.set("content-length", String(rep.size));
  return new Response(file, { headers });
}

/** The first accepted coding with a copy ready; the client's favourite is made if it is missing. */
function _choose(
  c: Context<AppEnv>,
  entry: EncodingSource & { size: number },
  accepted: Coding[],
): Representation {
  const encodings = c.get("fleet").artifactEncodings;
  for (const [i, coding] of accepted.entries()) {
    if (coding === "identity") break;
    const copy = encodings.copyOf(entry, coding, i === 0);
    if (copy) return { coding, ...copy, etag: `"${entry.sha256}-${coding}"` };
  }
  return { coding: "identity", path: entry.path, size: entry.size, etag: `"${entry.sha256}"` };
}
