// The one error type of the wire, on both sides of it: fleetd throws it and answers with its
// envelope; the client (protocol/client.ts) turns every failed call back into one. Free of zod,
// so the board's bundle can carry it.
import type { ErrorCode } from "./common.ts";

/** The envelope's codes, plus the two failures that happen on the caller's side of the wire. */
export type ApiErrorCode = ErrorCode | "unreachable" | "bad_response";

/** A Retry-After is honoured up to this long: a proxy asking for a day must not park a caller for a day. */
export const RETRY_AFTER_MAX_MS = 300_000;

export class ApiError extends Error {
  override name = "ApiError";

  /** The envelope's details: validation issues, or what a conflict was about. */
  readonly details?: unknown;
  /** Response headers that go with the error, e.g. Retry-After on a 429. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    /** The HTTP status; 0 when no response came (code "unreachable"). */
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
    extra: { details?: unknown; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.details = extra.details;
    this.headers = extra.headers ?? {};
  }

  /** From Retry-After, in whole seconds (an HTTP date counts as none), capped. */
  get retryAfterMs(): number {
    const seconds = Number(this.headers["retry-after"] ?? this.headers["Retry-After"]);
    if (!Number.isFinite(seconds) || seconds <= 0) return 0;
    return Math.min(RETRY_AFTER_MAX_MS, seconds * 1000);
  }

  /** fleetd refused the token itself (revoked, deleted host): retrying soon cannot help. */
  get tokenRefused(): boolean {
    return this.status === 401 || this.status === 403;
  }
}
