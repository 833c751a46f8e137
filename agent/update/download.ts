// Fetching the manifest and an artifact from fleetd on the one client, defensively: redirects
// are followed only within fleetd's own origin, bodies are capped (the manifest's at a size no
// real one reaches, an artifact's at the size the manifest declared), and the bytes go to one
// file the caller chose, never to a path named by the server.
import { closeSync, fsyncSync, openSync, rmSync, writeSync } from "node:fs";
import { createClient } from "../../protocol/client.ts";
import { ApiError } from "../../protocol/errors.ts";
import { type Manifest, ROUTES, routePath } from "../../protocol/index.ts";

export const MAX_ARTIFACT_BYTES = 512 * 1024 * 1024;
export const DOWNLOAD_TIMEOUT_MS = 10 * 60_000;
const MAX_REDIRECTS = 3;
const MANIFEST_MAX_BYTES = 1024 * 1024;

/** A reason the update will not go on; final, unlike the network's failures, which are retried. */
export class UpdateRefused extends Error {}

export async function fetchManifest(server: string, signal: AbortSignal): Promise<Manifest> {
  const cap = { bytes: MANIFEST_MAX_BYTES, refusal: "manifest is implausibly large" };
  try {
    return await _updateClient(server, cap).call("manifest", { signal });
  } catch (err) {
    if (err instanceof ApiError && err.code === "bad_response" && err.status < 300) {
      // The client's shape check carries zod's issues; without them the body was not JSON.
      const issue = (err.details as { path: PropertyKey[]; message: string }[] | undefined)?.[0];
      if (!issue) throw new UpdateRefused("manifest is not JSON");
      const where = issue.path.length ? ` at ${issue.path.join(".")}` : "";
      throw new UpdateRefused(`manifest is invalid${where}: ${issue.message}`);
    }
    throw _refusalOf(err, routePath("manifest"));
  }
}

/**
 * Streams an artifact into `dest` (replacing it), stopping as soon as more than
 * `expectedSize` bytes arrive. Returns the number of bytes written.
 */
export async function downloadTo(
  server: string,
  file: string,
  dest: string,
  expectedSize: number,
  signal: AbortSignal,
  onProgress: (bytes: number) => void,
): Promise<number> {
  if (expectedSize > MAX_ARTIFACT_BYTES) {
    throw new UpdateRefused(
      `artifact declares ${expectedSize} bytes, over the ${MAX_ARTIFACT_BYTES}-byte cap`,
    );
  }
  let res: Response;
  try {
    res = await _updateClient(server).open("artifact", {
      params: { file },
      signal,
      timeoutMs: DOWNLOAD_TIMEOUT_MS,
    });
  } catch (err) {
    throw _refusalOf(err, routePath("artifact", { file }));
  }
  rmSync(dest, { force: true });
  const fd = openSync(dest, "w", 0o600);
  let bytes = 0;
  try {
    const reader = res.body!.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      bytes += value.length;
      if (bytes > expectedSize) {
        await reader.cancel();
        throw new UpdateRefused(`download is larger than the ${expectedSize} bytes the manifest declares`);
      }
      let off = 0;
      while (off < value.length) off += writeSync(fd, value, off, value.length - off);
      onProgress(bytes);
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return bytes;
}

/** No token: the manifest and the binaries are public, and this host's token has no business elsewhere. */
function _updateClient(server: string, cap?: BodyCap) {
  return createClient({ server, routes: ROUTES, fetch: _sameOriginFetch(server, cap) });
}

/** fleetd's refusal and the redirect rule's are final; the network's failures are left to be retried. */
function _refusalOf(err: unknown, path: string): unknown {
  if (!(err instanceof ApiError)) return err;
  if (err.cause instanceof UpdateRefused) return err.cause;
  if (err.status >= 300) return new UpdateRefused(`GET ${path}: HTTP ${err.status}`);
  return err;
}

interface BodyCap {
  bytes: number;
  /** The UpdateRefused's message once the body goes past `bytes`. */
  refusal: string;
}

/**
 * The update client's fetch: at most a few redirects, each within `server`'s origin (the one
 * client has no redirect rule of its own, and fetch would follow one to any host), and with a
 * cap, a body cut off with a refusal as soon as it grows past it.
 */
function _sameOriginFetch(server: string, cap?: BodyCap): typeof fetch {
  const origin = new URL(server).origin;
  const guarded = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const first = new URL(input instanceof Request ? input.url : input);
    let url = first;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const res = await fetch(url, { ...init, redirect: "manual" });
      if (res.status < 300 || res.status >= 400) return cap ? _capped(res, cap) : res;
      const next = new URL(res.headers.get("location") ?? "", url);
      if (next.origin !== origin) {
        throw new UpdateRefused(`refusing a redirect from ${url.pathname} to another host (${next.origin})`);
      }
      url = next;
    }
    throw new UpdateRefused(`too many redirects fetching ${first.pathname}`);
  };
  return guarded as typeof fetch;
}

function _capped(res: Response, cap: BodyCap): Response {
  if (!res.body) return res;
  let bytes = 0;
  const counted = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      bytes += chunk.length;
      if (bytes > cap.bytes) controller.error(new UpdateRefused(cap.refusal));
      else controller.enqueue(chunk);
    },
  });
  return new Response(res.body.pipeThrough(counted), {
    status: res.status,
    statusText: res.statusText,
    headers: res.headers,
  });
}
