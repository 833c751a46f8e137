// fleetctl's client for the fleetd admin API: URLs come from the protocol route table,
// every response is parsed with the protocol's zod schemas, and every failure becomes an
// ApiError whose message tells the operator what went wrong and what to try.
import type { z } from "zod";
import { ErrorBody, ROUTES, type RouteName, routePath, VERSION } from "../protocol/index.ts";
import { ApiError, TOKEN_HINT } from "./errors.ts";

/** How long one request may take before fleetctl gives up; FLEET_HTTP_TIMEOUT_MS overrides. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export interface ApiClientOptions {
  server: string;
  token: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export interface RequestOptions {
  params?: Record<string, string>;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
}

export type ApiClient = ReturnType<typeof createApiClient>;

export function createApiClient(opts: ApiClientOptions) {
  const base = opts.server.replace(/\/+$/, "");
  const doFetch = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;

  async function request<S extends z.ZodType>(
    route: RouteName,
    schema: S,
    req: RequestOptions = {},
  ): Promise<z.output<S>> {
    const { method } = ROUTES[route];
    const url = base + routePath(route, req.params) + _queryString(req.query);
    const what = `${method} ${ROUTES[route].path}`;
    let res: Response;
    try {
      res = await doFetch(url, {
        method,
        headers: {
          authorization: `Bearer ${opts.token}`,
          accept: "application/json",
          ...(req.body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: req.body === undefined ? undefined : JSON.stringify(req.body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw unreachableError(opts.server, err, timeoutMs);
    }
    const text = await res.text();
    if (!res.ok) throw errorFromResponse(res.status, text, what);
    return _parseBody(schema, text, what);
  }

  return { server: base, request };
}

/** The error for a request that never got an HTTP response. */
export function unreachableError(server: string, err: unknown, timeoutMs: number): ApiError {
  const e = err as { name?: string; code?: string; message?: string };
  if (e?.name === "TimeoutError") {
    return new ApiError(
      `fleetd at ${server} did not answer within ${timeoutMs / 1000}s`,
      "unreachable",
      null,
    );
  }
  const reason = e?.code === "ECONNREFUSED" ? "" : ` (${e?.code ?? e?.message ?? String(err)})`;
  return new ApiError(
    `cannot reach fleetd at ${server}: is it running? (fleetd serve)${reason}`,
    "unreachable",
    null,
  );
}

/** Turns a 4xx/5xx into an ApiError, using the `{error: {code, message, details}}` envelope when present. */
export function errorFromResponse(status: number, bodyText: string, what: string): ApiError {
  let json: unknown;
  try {
    json = JSON.parse(bodyText);
  } catch {
    json = undefined;
  }
  const envelope = ErrorBody.safeParse(json);
  if (!envelope.success) {
    const snippet = bodyText.trim().slice(0, 200) || "(empty body)";
    return new ApiError(
      `${what} failed with HTTP ${status} and no fleetd error envelope (a proxy in the way?): ${snippet}`,
      "bad_response",
      status,
    );
  }
  const { code, message, details } = envelope.data.error;
  let text = `${message} (${status} ${code})`;
  if (code === "unauthorized") text = `fleetd rejected the token: ${message} (401); ${TOKEN_HINT}`;
  if (code === "forbidden") text += `; fleetctl needs the admin token: ${TOKEN_HINT}`;
  // fleetd often summarises the issues in the message already; list them only when it did not.
  const rendered = renderDetails(details)
    .split("\n")
    .filter((line) => line && !message.includes(line.replace(/^ {2}(- |details: )/, "")))
    .join("\n");
  if (rendered) text += `\n${rendered}`;
  return new ApiError(text, code, status, details);
}

/** Validation issues as "  - path: message" lines; anything else as compact JSON. */
export function renderDetails(details: unknown): string {
  if (details === undefined || details === null) return "";
  const issues = Array.isArray(details)
    ? details
    : (details as { issues?: unknown })?.issues && Array.isArray((details as { issues: unknown[] }).issues)
      ? (details as { issues: unknown[] }).issues
      : null;
  if (issues?.every((i) => typeof (i as { message?: unknown })?.message === "string")) {
    return issues
      .map((issue) => {
        const { path, message } = issue as { path?: unknown; message: string };
        const where = Array.isArray(path) ? path.join(".") : typeof path === "string" ? path : "";
        return `  - ${where ? `${where}: ` : ""}${message}`;
      })
      .join("\n");
  }
  const json = JSON.stringify(details);
  return `  details: ${json.length > 500 ? `${json.slice(0, 500)}…` : json}`;
}

function _parseBody<S extends z.ZodType>(schema: S, text: string, what: string): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ApiError(`${what} answered with a body that is not JSON`, "bad_response", 200);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first ? `${first.path.join(".") || "(root)"}: ${first.message}` : "";
    throw new ApiError(
      `${what} answered with an unexpected shape (${where}); is fleetd the same version as fleetctl ${VERSION}?`,
      "bad_response",
      200,
    );
  }
  return parsed.data;
}

function _queryString(query: RequestOptions["query"]): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : "";
}
