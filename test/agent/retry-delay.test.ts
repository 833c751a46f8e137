// The main loop's wait after a failed hello or poll: every kind of failure grows the backoff,
// a refused token waits at least AUTH_RETRY_MS, a Retry-After is honoured.
import { expect, test } from "bun:test";
import { Backoff } from "../../agent/backoff.ts";
import { AUTH_RETRY_MS } from "../../agent/client.ts";
import { retryDelay } from "../../agent/retry-delay.ts";
import { ApiError, type ApiErrorCode } from "../../protocol/errors.ts";

const top = () => new Backoff(1000, 8000, () => 1);
/** As the client makes it from an answer with Retry-After: `seconds`. */
const withRetryAfter = (status: number, code: ApiErrorCode, seconds: string) =>
  new ApiError(status, code, "slow down", { headers: { "retry-after": seconds } });

test("every kind of failure grows the backoff: no answer, an HTTP error, an unparseable answer", () => {
  for (const err of [
    new TypeError("Unable to connect"),
    new ApiError(0, "unreachable", "cannot reach fleetd at http://x (ECONNREFUSED)"),
    new ApiError(500, "internal", "boom"),
    new ApiError(200, "bad_response", "agentPoll: unexpected response"),
  ]) {
    const b = top();
    expect([1, 2, 3, 4, 5].map(() => retryDelay("poll", err, b))).toEqual([1000, 2000, 4000, 8000, 8000]);
  }
});

test("a refused token or another protocol waits at least AUTH_RETRY_MS, and still counts", () => {
  const b = top();
  expect(retryDelay("hello", new ApiError(401, "unauthorized", "revoked"), b)).toBe(AUTH_RETRY_MS);
  expect(retryDelay("hello", new ApiError(400, "protocol_mismatch", "v2"), b)).toBe(AUTH_RETRY_MS);
  expect(b.attempts).toBe(2);
});

test("a Retry-After longer than the backoff is honoured", () => {
  expect(retryDelay("hello", withRetryAfter(429, "rate_limited", "20"), top())).toBe(20_000);
  expect(retryDelay("poll", withRetryAfter(503, "internal", "3"), top())).toBe(3_000);
  expect(retryDelay("poll", withRetryAfter(503, "internal", "0.01"), top())).toBe(1000);
});
