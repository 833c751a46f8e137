// fleetctl's client for fleetd: the one protocol client (protocol/client.ts), with every failure
// put in fleetctl's words here, once, so each command's error tells the operator what went wrong
// and what to try: a refused token, a fleetd that is not running, an answer of another version.
import { type Client, createClient } from "../protocol/client.ts";
import { ApiError } from "../protocol/errors.ts";
import { ROUTES, VERSION } from "../protocol/index.ts";
import { TOKEN_HINT } from "./errors.ts";

/** How long one request may take before fleetctl gives up; FLEET_HTTP_TIMEOUT_MS overrides. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export interface ApiClientOptions {
  server: string;
  /** The admin token; the board's export may go with a board token, or none on a public board. */
  token?: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export type ApiClient = Client;

export function createApiClient(opts: ApiClientOptions): ApiClient {
  const client = createClient({
    ...opts,
    routes: ROUTES,
    timeoutMs: opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
  });
  const explaining = <F extends (...args: never[]) => Promise<unknown>>(call: F): F =>
    ((...args: Parameters<F>) =>
      call(...args).catch((err: unknown) => {
        throw explainApiError(err, opts.server);
      })) as F;
  return {
    server: client.server,
    call: explaining(client.call),
    callIfChanged: explaining(client.callIfChanged),
    open: explaining(client.open),
  };
}

/**
 * The client's ApiError with fleetctl's message (same status, code, details and headers);
 * anything else (a caller's own abort) as it is.
 */
export function explainApiError(err: unknown, server: string): unknown {
  if (!(err instanceof ApiError)) return err;
  return new ApiError(err.status, err.code, _explained(err, server), {
    details: err.details,
    headers: { ...err.headers },
    cause: err.cause,
  });
}

function _explained(err: ApiError, server: string): string {
  if (err.code === "unreachable") {
    const cause = err.cause as { name?: string; code?: string; message?: string } | undefined;
    // The client's own words for a timeout say how long it waited.
    if (cause?.name === "TimeoutError") return err.message;
    const reason =
      cause?.code === "ECONNREFUSED" ? "" : ` (${cause?.code ?? cause?.message ?? String(cause)})`;
    return `cannot reach fleetd at ${server}: is it running? (fleetd serve)${reason}`;
  }
  if (err.code === "bad_response") {
    // An answer that is JSON but not of the declared shape (the client lists zod's issues as its
    // details) is most likely from a fleetd of another build.
    const wrongShape = err.status < 300 && Array.isArray(err.details);
    return wrongShape ? `${err.message}; is fleetd the same version as fleetctl ${VERSION}?` : err.message;
  }
  const { message, status, code } = err;
  let text = `${message} (${status} ${code})`;
  if (code === "unauthorized") text = `fleetd rejected the token: ${message} (401); ${TOKEN_HINT}`;
  if (code === "forbidden") text += `; fleetctl needs the admin token: ${TOKEN_HINT}`;
  // fleetd often summarises the issues in the message already; list them only when it did not.
  const rendered = renderDetails(err.details)
    .split("\n")
    .filter((line) => line && !message.includes(line.replace(/^ {2}(- |details: )/, "")))
    .join("\n");
  if (rendered) text += `\n${rendered}`;
  return text;
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
