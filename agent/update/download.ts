// Fetching the manifest from fleetd, and the update's client for it and the artifacts (see
// artifact-download.ts), defensively: redirects are followed only within fleetd's own origin,
// and bodies are capped (the manifest's at a size no real one reaches).

import type { Manifest } from "../../protocol/artifacts.ts";
import { createClient } from "../../protocol/client.ts";
import { ApiError } from "../../protocol/errors.ts";
import { ROUTES, routePath } from "../../protocol/routes.ts";
import { UpdateRefused } from "./errors.ts";

const MAX_REDIRECTS = 3;
const MANIFEST_MAX_BYTES = 1024 * 1024;

export async function fetchManifest(server: string, signal: AbortSignal): Promise<Manifest> {
  const cap = { bytes: MANIFEST_MAX_BYTES, refusal: "manifest is implausibly large" };
  try {
    return await updateClient(server, { cap }).call("manifest", { signal });
  } catch (err) {
    if (err instanceof ApiError && err.code === "bad_response" && err.status < 300) {
      // The client's shape check carries zod's issues; without them the body was not JSON.
      const issue = (err.details as { path: PropertyKey[]; message: string }[] | undefined)?.[0];
      if (!issue) throw new UpdateRefused("manifest is not JSON");
      const where = issue.path.length ? ` at ${issue.path.join(".")}` : "";
      throw new UpdateRefused(`manifest is invalid${where}: ${issue.message}`);
    }
    throw refusalOf(err, routePath("manifest"));
  }
}

/** No token: the manifest and the binaries are public, and this host's token has no business elsewhere. */
export function updateClient(server: string, opts: { cap?: BodyCap; raw?: boolean } = {}) {
  return createClient({ server, routes: ROUTES, fetch: _sameOriginFetch(server, opts) });
}

/** fleetd's refusal and the redirect rule's are final; the network's failures are left to be retried. */
export function refusalOf(err: unknown, path: string): unknown {
  if (!(err instanceof ApiError)) return err;
  if (err.cause instanceof UpdateRefused) return err.cause;
  if (err.status >= 300) return new UpdateRefused(`GET ${path}: HTTP ${err.status}`);
  return err;
}

export interface BodyCap {
  bytes: number;
  /** The UpdateRefused's message once the body goes past `bytes`. */
  refusal: string;
}

/**
 * The update client's fetch: at most a few redirects, each within `server`'s origin (the one
 * client has no redirect rule of its own, and fetch would follow one to any host), and with a
 * cap, a body cut off with a refusal as soon as it grows past it.
 */
function _sameOriginFetch(
  server: string,
  { cap, raw = false }: { cap?: BodyCap; raw?: boolean },
): typeof fetch {
  const origin = new URL(server).origin;
  const guarded = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const first = new URL(input instanceof Request ? input.url : input);
    let url = first;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      // raw: the body as sent (Content-Encoding and all), for a caller that decodes it itself.
      const res = await fetch(url, { ...init, redirect: "manual", decompress: !raw });
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
