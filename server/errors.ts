// The errors routes and services throw: the protocol's one ApiError, which app.onError turns
// into the `{error: {code, message, details?}}` envelope every 4xx/5xx carries.

import type { ErrorCode } from "../protocol/common.ts";
import { ApiError } from "../protocol/errors.ts";

export { ApiError };

export const badRequest = (message: string, details?: unknown) =>
  new ApiError(400, "bad_request", message, { details });
export const validationFailed = (message: string, details: unknown) =>
  new ApiError(400, "validation_failed", message, { details });
export const unauthorized = (message: string) => new ApiError(401, "unauthorized", message);
export const forbidden = (message: string) => new ApiError(403, "forbidden", message);
export const notFound = (message: string) => new ApiError(404, "not_found", message);
export const conflict = (message: string, details?: unknown) =>
  new ApiError(409, "conflict", message, { details });
export const payloadTooLarge = (limit: number) =>
  new ApiError(413, "payload_too_large", `request body is larger than the limit of ${limit} bytes`);

export const rateLimited = (what: string, retryAfterSeconds: number) =>
  new ApiError(429, "rate_limited", `too many ${what} from this address; retry in ${retryAfterSeconds} s`, {
    details: { retryAfterSeconds },
    headers: { "Retry-After": String(retryAfterSeconds) },
  });

/** Status codes Hono itself may raise, mapped to the closest envelope code. */
export function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
      return "bad_request";
    case 401:
      return "unauthorized";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 409:
      return "conflict";
    case 410:
      return "gone";
    case 413:
      return "payload_too_large";
    case 429:
      return "rate_limited";
    case 507:
      return "disk_full";
    default:
      return status >= 500 ? "internal" : "bad_request";
  }
}
