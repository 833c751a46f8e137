// Registering handlers from the route table (protocol/routes.ts): each route's method, path and
// auth come from the one contract, every route passes auth and the body limit, and its params,
// query and body are validated against its declared schemas before the handler sees them. The
// handler returns data of the declared response's type (or, for a non-JSON route, a Response),
// so a handler answering something else does not compile; with config.checkResponses
// (FLEET_CHECK_RESPONSES=1, which the test suite sets) each answer is also checked at run time.
import { type Context, Hono, type MiddlewareHandler } from "hono";
import type { z } from "zod";
import { MAX_BODY_BYTES } from "../../protocol/common.ts";
import {
  type JsonRouteName,
  type ReplyOf,
  type RequestOf,
  ROUTES,
  type RouteName,
  type RouteSpec,
} from "../../protocol/routes.ts";
import type { AppEnv } from "../context.ts";
import { ApiError, notFound } from "../errors.ts";
import { requireAuth } from "../middleware/auth/index.ts";
import { jsonBody, readBody, validate } from "../middleware/body/index.ts";
import { sendVersioned } from "./conditional.ts";

const JSON_TYPE = "application/json; charset=utf-8";

/** A JSON answer with its ETag: sent whole, or as an empty 304 to a client that holds it. */
export class Versioned<T> {
  constructor(
    readonly etag: string,
    readonly doc: T,
  ) {}
}

export type Reply<N extends RouteName> = N extends JsonRouteName
  ? ReplyOf<N> | Versioned<ReplyOf<N>>
  : Response;

export type RouteHandler<N extends RouteName> = (
  c: Context<AppEnv>,
  request: RequestOf<N>,
) => Reply<N> | Promise<Reply<N>>;

export interface RouteImpl<N extends RouteName> {
  /**
   * Runs before the body is validated: lookups whose 404 or 403 says more than a complaint about
   * the body would (the host does not exist, the job is another host's, the protocol is too new).
   */
  before(c: Context<AppEnv>, request: Omit<RequestOf<N>, "body">): void | Promise<void>;
  handle: RouteHandler<N>;
}

export type RouteHandlers = { [N in RouteName]?: RouteHandler<N> | RouteImpl<N> };

export function defineRoutes(handlers: RouteHandlers): Hono<AppEnv> {
  const router = new Hono<AppEnv>();
  for (const name of Object.keys(handlers) as RouteName[]) {
    const spec: RouteSpec = ROUTES[name];
    const impl = handlers[name] as RouteHandler<RouteName> | RouteImpl<RouteName>;
    const { before, handle } = typeof impl === "function" ? { before: undefined, handle: impl } : impl;
    const named: MiddlewareHandler<AppEnv> = async (c, next) => {
      c.set("route", name);
      await next();
    };
    router.on(spec.method, spec.path, named, requireAuth(spec.auth), readBody(MAX_BODY_BYTES), async (c) => {
      const params = spec.params ? _params(c, spec.params) : {};
      const query = spec.query ? validate(spec.query, c.req.query(), "query") : {};
      await before?.(c, { params, query } as Omit<RequestOf<RouteName>, "body">);
      const body = spec.body ? validate(spec.body, jsonBody(c), "request body") : undefined;
      const reply = await handle(c, { params, query, body } as RequestOf<RouteName>);
      return _respond(c, name, spec, reply);
    });
  }
  return router;
}

/** A path segment that cannot name anything is answered like an unknown one: 404. */
function _params(c: Context<AppEnv>, schema: z.ZodObject): Record<string, unknown> {
  const raw = c.req.param() as Record<string, string>;
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const key = String(parsed.error.issues[0]?.path[0] ?? "");
  const what = schema.shape[key]?.description ?? "resource";
  throw notFound(`no ${what} with id "${(raw[key] ?? "").slice(0, 80)}"`);
}

function _respond(c: Context<AppEnv>, name: RouteName, spec: RouteSpec, reply: unknown): Response {
  if (reply instanceof Response) return reply;
  const doc = reply instanceof Versioned ? reply.doc : reply;
  if (c.get("fleet")?.config.checkResponses && "safeParse" in spec.response)
    _checkResponse(c, name, spec.response, doc);
  if (reply instanceof Versioned) return sendVersioned(c, reply.etag, JSON_TYPE, () => JSON.stringify(doc));
  return c.json(doc as object, spec.status ?? 200);
}

function _checkResponse(c: Context<AppEnv>, name: RouteName, schema: z.ZodType, doc: unknown): void {
  const parsed = schema.safeParse(doc);
  if (parsed.success) return;
  const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
  c.get("fleet")?.log.error(`${name}: the answer does not match its declared response: ${issues}`);
  throw new ApiError(
    500,
    "internal",
    `fleetd's answer to ${name} does not match its declared response (${issues})`,
  );
}
