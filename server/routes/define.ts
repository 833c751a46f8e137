// Registering handlers from the route table (protocol/routes.ts), so each route's method, path
// and auth come from the one contract, and every route passes auth and the body limit.
import { type Context, Hono } from "hono";
import { MAX_BODY_BYTES } from "../../protocol/common.ts";
import { ROUTES, type RouteName } from "../../protocol/routes.ts";
import type { AppEnv } from "../context.ts";
import { requireAuth } from "../middleware/auth/index.ts";
import { readBody } from "../middleware/body/index.ts";

export type RouteHandler = (c: Context<AppEnv>) => Response | Promise<Response>;
export type RouteHandlers = Partial<Record<RouteName, RouteHandler>>;

export function defineRoutes(handlers: RouteHandlers): Hono<AppEnv> {
  const router = new Hono<AppEnv>();
  for (const [name, handler] of Object.entries(handlers) as [RouteName, RouteHandler][]) {
    const spec = ROUTES[name];
    router.on(spec.method, spec.path, requireAuth(spec.auth), readBody(MAX_BODY_BYTES), handler);
  }
  return router;
}
