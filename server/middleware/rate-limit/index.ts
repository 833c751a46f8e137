// Per-address limits on the requests an attacker would repeat: enroll attempts, and requests
// whose token is refused. Only failures (and enroll attempts) are counted, so agents behind one
// NAT never throttle each other by working normally; an address that used up its failures gets
// 429 with Retry-After on every token-bearing request until its bucket refills.
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../../context.ts";
import { ApiError, rateLimited } from "../../errors.ts";

/**
 * Where a request came from: the socket's peer, or behind a trusted reverse proxy the address the
 * proxy appended last to X-Forwarded-For (earlier entries are the client's to forge). Null when
 * the app is called in-process (tests via app.request()), where there is nobody to limit.
 */
export function clientAddress(c: Context<AppEnv>): string | null {
  if (c.get("fleet").config.trustProxy) {
    const forwarded = c.req.header("x-forwarded-for")?.split(",").at(-1)?.trim();
    if (forwarded) return forwarded.slice(0, 100);
  }
  return c.env?.server?.requestIP(c.req.raw)?.address ?? null;
}

/** Every call counts: enrollment is rare, so a burst of attempts from one address is suspect. */
export function limitEnrollAttempts(inner: MiddlewareHandler<AppEnv>): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const address = clientAddress(c);
    const wait = address === null ? 0 : c.get("fleet").limiters.enroll.take(address);
    if (wait > 0) throw rateLimited("enroll attempts", wait);
    await inner(c, next);
  };
}

/** Wraps an auth check: its 401s count against the address; an address out of tries is refused first. */
export function limitFailedAuth(check: MiddlewareHandler<AppEnv>): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const limiter = c.get("fleet").limiters.failedAuth;
    // While no address has a refused token on record, nobody can be over the limit: the address
    // is looked up only on a refusal, not on every agent request (a cost the benchmark measured).
    const address = limiter.isIdle() ? undefined : clientAddress(c);
    if (address === null) return check(c, next);
    if (address !== undefined) {
      const wait = limiter.retryAfter(address);
      if (wait > 0) throw rateLimited("requests with a refused token", wait);
    }
    let authenticated = false;
    try {
      await check(c, async () => {
        authenticated = true;
        await next();
      });
    } catch (err) {
      if (!authenticated && err instanceof ApiError && err.status === 401) {
        const refused = address ?? clientAddress(c);
        if (refused !== null) limiter.take(refused);
      }
      throw err;
    }
  };
}
