// Fetching the manifest and an artifact from fleetd, defensively: redirects are followed
// only within fleetd's own origin, the body is capped at the size the manifest declared,
// and the bytes go to one file the caller chose, never to a path named by the server.
import { closeSync, fsyncSync, openSync, rmSync, writeSync } from "node:fs";
import { Manifest } from "../../protocol/index.ts";

export const MAX_ARTIFACT_BYTES = 512 * 1024 * 1024;
export const DOWNLOAD_TIMEOUT_MS = 10 * 60_000;
const MAX_REDIRECTS = 3;
const MANIFEST_MAX_BYTES = 1024 * 1024;

export class UpdateRefused extends Error {}

/** GET within `server`'s origin, following at most a few same-origin redirects. */
export async function fetchSameOrigin(server: string, path: string, signal: AbortSignal): Promise<Response> {
  const origin = new URL(server).origin;
  let url = new URL(path, server);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const res = await fetch(url, { redirect: "manual", signal });
    if (res.status < 300 || res.status >= 400) {
      if (!res.ok) throw new UpdateRefused(`GET ${url.pathname}: HTTP ${res.status}`);
      return res;
    }
    const next = new URL(res.headers.get("location") ?? "", url);
    if (next.origin !== origin) {
      throw new UpdateRefused(`refusing a redirect from ${url.pathname} to another host (${next.origin})`);
    }
    url = next;
  }
  throw new UpdateRefused(`too many redirects fetching ${path}`);
}

export async function fetchManifest(server: string, signal: AbortSignal): Promise<Manifest> {
  const res = await fetchSameOrigin(server, "/api/v1/artifacts/manifest.json", signal);
  const text = await res.text();
  if (text.length > MANIFEST_MAX_BYTES) throw new UpdateRefused("manifest is implausibly large");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UpdateRefused("manifest is not JSON");
  }
  const parsed = Manifest.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` at ${issue.path.join(".")}` : "";
    throw new UpdateRefused(`manifest is invalid${where}: ${issue?.message}`);
  }
  return parsed.data;
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
  const timeout = AbortSignal.any([signal, AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS)]);
  const res = await fetchSameOrigin(server, `/api/v1/artifacts/${encodeURIComponent(file)}`, timeout);
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
