// The agent's side of the wire: typed calls to fleetd's agent routes, each response
// parsed with the protocol schema, each error turned into an ApiError with its code.
import type { z } from "zod";
import {
  EnrollResponse,
  ErrorBody,
  type Hello,
  HelloResponse,
  type JobEvents,
  JobEventsAck,
  type JobResult,
  Ok,
  PollResponse,
  ROUTES,
  type RouteName,
  routePath,
} from "../protocol/index.ts";

/** Time allowed for a non-poll request. */
export const REQUEST_TIMEOUT_MS = 15_000;
/** Extra time past the server's poll window before the agent gives up on a held poll. */
export const POLL_SLACK_MS = 10_000;

/** A refused token will not fix itself quickly: wait at least this long between tries. */
export const AUTH_RETRY_MS = 60_000;
/**
 * A Retry-After is honoured up to this long: a proxy or a broken fleetd asking for a day must not
 * park every agent for a day.
 */
export const RETRY_AFTER_MAX_MS = 300_000;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** From a 429's Retry-After: how long fleetd wants this address to wait. */
    readonly retryAfterMs = 0,
  ) {
    super(message);
  }

  /** fleetd refused the token itself (revoked, deleted host): retrying soon cannot help. */
  get tokenRefused(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

export class AgentClient {
  constructor(
    private readonly server: string,
    private readonly token: string | null,
  ) {}

  hello(body: Hello) {
    return this._call("agentHello", {}, HelloResponse, body);
  }

  poll(waitSeconds: number, signal?: AbortSignal) {
    const timeout = AbortSignal.timeout(waitSeconds * 1000 + POLL_SLACK_MS);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    return this._call("agentPoll", {}, PollResponse, undefined, `?wait=${waitSeconds}`, combined);
  }

  events(jobId: string, body: JobEvents) {
    return this._call("agentJobEvents", { id: jobId }, JobEventsAck, body);
  }

  result(jobId: string, body: JobResult) {
    return this._call("agentJobResult", { id: jobId }, Ok, body);
  }

  enroll(token: string, name: string) {
    return this._call("enroll", {}, EnrollResponse, { token, name });
  }

  private async _call<T>(
    route: RouteName,
    params: Record<string, string>,
    schema: z.ZodType<T>,
    body?: unknown,
    query = "",
    signal: AbortSignal = AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  ): Promise<T> {
    const url = `${this.server.replace(/\/+$/, "")}${routePath(route, params)}${query}`;
    const headers: Record<string, string> = {};
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(url, {
      method: ROUTES[route].method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ApiError(
        res.status,
        "bad_response",
        `${route}: HTTP ${res.status}, not JSON: ${text.slice(0, 200)}`,
      );
    }
    if (!res.ok) {
      const err = ErrorBody.safeParse(json);
      const retryAfterMs = _retryAfterMs(res.headers.get("retry-after"));
      if (err.success)
        throw new ApiError(res.status, err.data.error.code, err.data.error.message, retryAfterMs);
      throw new ApiError(res.status, "bad_response", `${route}: HTTP ${res.status}`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new ApiError(
        res.status,
        "bad_response",
        `${route}: unexpected response: ${parsed.error.message}`,
      );
    }
    return parsed.data;
  }
}

/** Retry-After in seconds (an HTTP date, or anything else, counts as none), capped. */
export function _retryAfterMs(header: string | null): number {
  const seconds = Number(header);
  if (!Number.isFinite(seconds) || seconds <= 0) return 0;
  return Math.min(RETRY_AFTER_MAX_MS, seconds * 1000);
}
