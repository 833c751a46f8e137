// Bearer-token auth for one route, chosen from the route table's `auth` field. No header or a bad
// one is 401; a valid token of the wrong kind is 403. Host requests that succeed count as signs
// of life; rejected ones change nothing.
import type { MiddlewareHandler } from "hono";
import type { Auth } from "../../../protocol/routes.ts";
import type { AppEnv, ServerContext } from "../../context.ts";
import { forbidden, unauthorized } from "../../errors.ts";
import { identifyToken } from "../../services/auth.ts";
import { requireBoardAccess } from "./board.ts";

const BEARER = /^Bearer ([A-Za-z0-9_-]{1,512})$/i;

export function requireAuth(auth: Auth): MiddlewareHandler<AppEnv> {
  if (auth === "public" || auth === "enroll") {
    // Enrollment carries its single-use token in the body; the route checks it.
    return async (c, next) => {
      c.set("principal", { kind: "public" });
      await next();
    };
  }
  if (auth === "board") return requireBoardAccess();
  const wanted = auth === "host" ? "host" : "admin";
  return async (c, next) => {
    const fleet = c.var.fleet;
    const header = c.req.header("authorization");
    if (!header) throw unauthorized("missing Authorization header; send Authorization: Bearer <token>");
    const token = BEARER.exec(header.trim())?.[1];
    if (!token) throw unauthorized("malformed Authorization header; expected Bearer <token>");
    const identity = identifyToken(fleet, token);
    if (!identity) throw unauthorized("invalid, expired or revoked token");
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

export function noteAgentActivity(fleet: ServerContext, hostId: string): void {
  fleet.store.recordLastSeen(hostId, new Date().toISOString());
  fleet.presence.requestSeen(hostId);
}
