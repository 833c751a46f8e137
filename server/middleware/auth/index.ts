// Bearer-token auth for one route, chosen from the route table's `auth` field. No header or a bad
// one is 401; a valid token of the wrong kind is 403. Refused tokens and enroll attempts count
// against the client address (429 past the limit). Host requests that succeed count as signs of
// life; rejected ones change nothing.
import type { MiddlewareHandler } from "hono";
import type { Auth } from "../../../protocol/routes.ts";
import type { AppEnv, ServerContext } from "../../context.ts";
import { forbidden, unauthorized } from "../../errors.ts";
import { identifyToken, refusalReason } from "../../services/auth.ts";
import { lastSeenStamp } from "../../services/last-seen.ts";
import { limitEnrollAttempts, limitFailedAuth } from "../rate-limit/index.ts";
import { bearerToken } from "./bearer.ts";
import { requireBoardAccess } from "./board.ts";
import { requireMetricsOrAdmin } from "./metrics.ts";
import { requireAdminOrWebhook } from "./webhook.ts";

export function requireAuth(auth: Auth): MiddlewareHandler<AppEnv> {
  if (auth === "public") return asPublic;
  // Enrollment carries its single-use token in the body; the route checks it.
  if (auth === "enroll") return limitEnrollAttempts(asPublic);
  if (auth === "board") return limitFailedAuth(requireBoardAccess());
  if (auth === "webhook") return limitFailedAuth(requireAdminOrWebhook(requireToken("admin")));
  if (auth === "metrics") return limitFailedAuth(requireMetricsOrAdmin(requireToken("admin")));
  return limitFailedAuth(requireToken(auth === "host" ? "host" : "admin"));
}

const asPublic: MiddlewareHandler<AppEnv> = async (c, next) => {
  c.set("principal", { kind: "public" });
  await next();
};

function requireToken(wanted: "host" | "admin"): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const fleet = c.get("fleet");
    const header = c.req.header("authorization");
    if (!header) throw unauthorized("missing Authorization header; send Authorization: Bearer <token>");
    const token = bearerToken(header);
    const identity = identifyToken(fleet, token);
    if (!identity) throw unauthorized(refusalReason(fleet, token));
    if (identity.kind !== wanted) {
      throw forbidden(
        `this route needs ${wanted === "host" ? "a host" : "the admin"} token, not ${article(identity.kind)} token`,
      );
    }
    if (identity.kind === "host") {
      c.set("principal", identity);
      await next();
      if (c.res.status < 400) noteAgentActivity(fleet, identity.hostId);
      return;
    }
    c.set("principal", { kind: "admin" });
    await next();
  };
}

const article = (kind: string) =>
  kind === "admin" ? "an admin" : kind === "enroll" ? "an enroll" : "a host";

/** A request that was let in before its host was revoked does not bring the host back online. */
export function noteAgentActivity(fleet: ServerContext, hostId: string): void {
  if (fleet.store.getHost(hostId)?.revokedAt) return;
  const now = Date.now();
  fleet.store.recordLastSeen(hostId, lastSeenStamp(now));
  fleet.coordinator.presence.seen(hostId, now);
}
