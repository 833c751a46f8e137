// Conditional GET for the board's polled resources: every answer carries an ETag, and a client
// that already holds the current version gets an empty 304 instead of the document again.
import type { Context } from "hono";
import type { AppEnv } from "../context.ts";

/** True when If-None-Match names `etag` (weak or strong) or is "*". */
export function clientHasCurrent(c: Context<AppEnv>, etag: string): boolean {
  const header = c.req.header("if-none-match");
  if (!header) return false;
  return header
    .split(",")
    .map((tag) => tag.trim().replace(/^W\//, ""))
    .some((tag) => tag === etag || tag === "*");
}

/** Sends `body` with its ETag, or 304 when the client has it; browsers must revalidate each time. */
export function sendVersioned(
  c: Context<AppEnv>,
  etag: string,
  contentType: string,
  body: () => string,
): Response {
  c.header("ETag", etag);
  c.header("Cache-Control", "no-cache");
  if (clientHasCurrent(c, etag)) return c.body(null, 304);
  c.header("Content-Type", contentType);
  return c.body(body());
}
