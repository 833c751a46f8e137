// The one HTTP client for fleetd's API, used by the agent, fleetctl and the board. Calls are
// typed from the route table: a route's params, query and body must fit its declaration, and
// its answer has the declared response's type. Given the table with schemas (ROUTES) it also
// checks every answer against them; the board gives only paths (protocol/route-table.ts) to
// keep zod out of its bundle. Every failure is an ApiError. Imports nothing of zod at run time.
import { ApiError } from "./errors.ts";
import { fillPath } from "./paths.ts";
import type {
  BodyOf,
  JsonRouteName,
  ParamsOf,
  QueryOf,
  RawRouteName,
  ResponseOf,
  RouteName,
} from "./routes.ts";

/** What the client needs of each route; with `response` a schema, answers are checked. */
export type ClientRoutes = Readonly<Record<RouteName, { method: string; path: string; response?: unknown }>>;

export interface ClientOptions {
  /** fleetd's base URL; "." for the board, which is served by fleetd itself. */
  server: string;
  routes: ClientRoutes;
  /** Sent as Bearer; a function is read per call (the board's sign-in can change it). */
  token?: string | null | (() => string | null);
  /** Per call unless the call sets its own; default 30 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export type CallOptions<N extends RouteName> = ([ParamsOf<N>] extends [undefined]
  ? { params?: undefined }
  : { params: ParamsOf<N> }) &
  ([BodyOf<N>] extends [undefined] ? { body?: undefined } : { body: BodyOf<N> }) & {
    query?: QueryOf<N>;
    signal?: AbortSignal;
    timeoutMs?: number;
    headers?: Record<string, string>;
  };

type Args<N extends RouteName> =
  Record<string, never> extends CallOptions<N> ? [options?: CallOptions<N>] : [options: CallOptions<N>];

export const DEFAULT_TIMEOUT_MS = 30_000;

export type Client = ReturnType<typeof createClient>;

export function createClient(opts: ClientOptions) {
  const base = opts.server.replace(/\/+$/, "");
  const doFetch = opts.fetch ?? fetch;

  async function send(name: RouteName, options: AnyCallOptions, extraHeaders: Record<string, string> = {}) {
    const spec = opts.routes[name];
    const url = base + fillPath(spec.path, options.params ?? {}, name) + _queryString(options.query);
    const token = typeof opts.token === "function" ? opts.token() : opts.token;
    const timeoutMs = options.timeoutMs ?? opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const headers: Record<string, string> = {
      accept: "application/json",
      ...extraHeaders,
      ...options.headers,
    };
    if (token) headers.authorization = `Bearer ${token}`;
    if (options.body !== undefined) headers["content-type"] = "application/json";
    let res: Response;
    try {
      res = await doFetch(url, {
        method: spec.method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal,
        cache: "no-store",
      });
    } catch (err) {
      // The caller's own abort (shutdown, a newer request) is not fleetd's failure: pass it on.
      if (options.signal?.aborted) throw err;
      throw _unreachable(opts.server, err, timeout.aborted ? timeoutMs : null);
    }
    if (!res.ok && res.status !== 304) throw await _errorOf(res, `${spec.method} ${spec.path}`);
    return res;
  }

  async function read(name: RouteName, res: Response): Promise<unknown> {
    const spec = opts.routes[name];
    const what = `${spec.method} ${spec.path}`;
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ApiError(
        res.status,
        "bad_response",
        `${what} answered with a body that is not JSON: ${_snippet(text)}`,
      );
    }
    const schema = spec.response as { safeParse?: (value: unknown) => SafeParse } | undefined;
    if (!schema?.safeParse) return json;
    const parsed = schema.safeParse(json);
    if (parsed.success) return parsed.data;
    const first = parsed.error.issues[0];
    const where = first ? `${first.path.join(".") || "(root)"}: ${first.message}` : "";
    throw new ApiError(res.status, "bad_response", `${what} answered with an unexpected shape (${where})`, {
      details: parsed.error.issues,
    });
  }

  return {
    server: base,

    /** Calls a JSON route and returns its answer, checked when the routes carry schemas. */
    async call<N extends JsonRouteName>(name: N, ...args: Args<N>): Promise<ResponseOf<N>> {
      const res = await send(name, _options(args));
      return (await read(name, res)) as ResponseOf<N>;
    },

    /**
     * Like call, with the ETag held for this URL: null when fleetd says nothing changed (304).
     * `etags` is the caller's, so one map can serve several routes.
     */
    async callIfChanged<N extends JsonRouteName>(
      name: N,
      etags: Map<string, string>,
      ...args: Args<N>
    ): Promise<ResponseOf<N> | null> {
      const options = _options(args);
      const key = `${name} ${JSON.stringify(options.params ?? {})} ${JSON.stringify(options.query ?? {})}`;
      const held = etags.get(key);
      const res = await send(name, options, held ? { "if-none-match": held } : {});
      if (res.status === 304) {
        // Read even the empty body, so the request is over before the next one starts.
        await res.text();
        return null;
      }
      const doc = (await read(name, res)) as ResponseOf<N>;
      const etag = res.headers.get("etag");
      if (etag) etags.set(key, etag);
      else etags.delete(key);
      return doc;
    },

    /** Opens a route that answers something other than JSON (a binary, a page): the caller reads the body. */
    open<N extends RawRouteName>(name: N, ...args: Args<N>): Promise<Response> {
      return send(name, _options(args), { accept: "*/*" });
    },
  };
}

interface AnyCallOptions {
  params?: Record<string, string>;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  signal?: AbortSignal;
  timeoutMs?: number;
  headers?: Record<string, string>;
}

const _options = (args: readonly unknown[]) => (args[0] ?? {}) as AnyCallOptions;

type SafeParse =
  | { success: true; data: unknown }
  | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };

/** A failed answer as an ApiError: the envelope's code, message and details when it has one. */
async function _errorOf(res: Response, what: string): Promise<ApiError> {
  const text = await res.text().catch(() => "");
  const headers: Record<string, string> = {};
  const retryAfter = res.headers.get("retry-after");
  if (retryAfter) headers["retry-after"] = retryAfter;
  let json: { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const error = json?.error;
  if (typeof error?.code === "string" && typeof error.message === "string") {
    return new ApiError(res.status, error.code as ApiError["code"], error.message, {
      details: error.details,
      headers,
    });
  }
  return new ApiError(
    res.status,
    "bad_response",
    `${what} failed with HTTP ${res.status} and no fleetd error envelope (a proxy in the way?): ${_snippet(text)}`,
    { headers },
  );
}

function _unreachable(server: string, err: unknown, timedOutAfterMs: number | null): ApiError {
  if (timedOutAfterMs !== null) {
    return new ApiError(
      0,
      "unreachable",
      `fleetd at ${server} did not answer within ${timedOutAfterMs / 1000}s`,
      {
        cause: err,
      },
    );
  }
  const e = err as { code?: string; message?: string };
  const reason = e?.code ?? e?.message ?? String(err);
  // The board's server is "." (the page's own origin): naming it would say nothing.
  const where = server === "." ? "" : ` at ${server}`;
  return new ApiError(0, "unreachable", `cannot reach fleetd${where} (${reason})`, { cause: err });
}

const _snippet = (text: string) => text.trim().slice(0, 200) || "(empty body)";

function _queryString(query: AnyCallOptions["query"]): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : "";
}
