// Metrics access (auth "metrics" in the route table): the admin token, or the read-only metrics
// token (--metrics-token-file) as a Bearer header, so the Prometheus server that scrapes fleetd
// holds a token that reads the metrics and nothing else. Only the token's hash is kept, and it
// is compared in constant time.
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../../context.ts";
import { hashesEqual, hashToken } from "../../services/tokens.ts";
import { bearerToken } from "./bearer.ts";

export function requireMetricsOrAdmin(admin: MiddlewareHandler<AppEnv>): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header("authorization");
    const stored = c.get("fleet").config.metricsTokenHash;
    if (header === undefined || !stored || !hashesEqual(stored, hashToken(bearerToken(header))))
      return admin(c, next);
    c.set("principal", { kind: "metrics" });
    await next();
  };
}
