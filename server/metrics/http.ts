// The request counter: every answer fleetd gives, errors and unmatched paths included, by the
// route table's name of the route it matched (set by server/routes/define.ts) and status class,
// never by path, so ids in paths cannot grow the series.
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../context.ts";
import { NO_ROUTE } from "./registry.ts";

export const countRequests: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  c.get("fleet").metrics.countRequest(c.get("route") ?? NO_ROUTE, c.res.status);
};
