// The main loop's retry delays: what a failed hello, poll or state report waits before the next try, by kind of
// failure, logged once per failure so an operator sees why a host is offline and for how long.
import { ApiError } from "../protocol/errors.ts";
import type { Backoff } from "./backoff.ts";
import { AUTH_RETRY_MS } from "./client.ts";
import { log } from "./log.ts";

/**
 * How long to wait after a failed hello, poll or state report, and the one log line that says why. Every
 * failure grows the path's backoff; a refused token or another protocol waits at least
 * AUTH_RETRY_MS (neither fixes itself soon), and fleetd's Retry-After is honoured.
 */
export function retryDelay(
  what: "hello" | "poll" | "state report" | "vitals report",
  err: unknown,
  backoff: Backoff,
): number {
  const delay = backoff.next();
  if (err instanceof ApiError && err.tokenRefused) {
    log.error(
      `fleetd refused this host's token (${err.message}); re-enroll with 'fleet-agent enroll --force'`,
    );
    return Math.max(delay, AUTH_RETRY_MS);
  }
  if (err instanceof ApiError && err.code === "protocol_mismatch") {
    log.error(`fleetd speaks another protocol: ${err.message}`);
    return Math.max(delay, AUTH_RETRY_MS);
  }
  const wait = err instanceof ApiError ? Math.max(delay, err.retryAfterMs) : delay;
  const inSeconds = `retrying in ${(wait / 1000).toFixed(1)} s`;
  if (err instanceof ApiError && err.status === 429)
    log.warn(`fleetd is rate-limiting this address (${err.message}); ${inSeconds}`);
  else if (err instanceof ApiError && err.status !== 0)
    log.warn(`fleetd answered ${what} with HTTP ${err.status} (${err.message}); ${inSeconds}`);
  else log.warn(`cannot reach fleetd (${what}): ${_whyUnreachable(err)}; ${inSeconds}`);
  return wait;
}

/** What the network said; the ApiError's own message would say "cannot reach fleetd" twice in the line. */
function _whyUnreachable(err: unknown): string {
  const cause = err instanceof ApiError && err.cause instanceof Error ? err.cause : err;
  return cause instanceof Error ? cause.message : String(cause);
}
