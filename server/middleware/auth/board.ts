// Board access (auth "board" in the route table). Without --board-token the board is public;
// with it, a request needs the board token or the admin token as a Bearer header, or the board
// token as ?token= (an <img> badge or a wall display cannot send headers; the admin token is
// never taken from a URL, where it would end up in logs and browser history). A header that is
// sent must be valid even on a public board, so a mistyped token is noticed, not ignored.
import type { MiddlewareHandler } from "hono";
import type { AppEnv, ServerContext } from "../../context.ts";
import { forbidden, unauthorized } from "../../errors.ts";
import { identifyToken } from "../../services/auth.ts";
import { hashesEqual, hashToken } from "../../services/tokens.ts";

const BEARER = /^Bearer ([A-Za-z0-9_-]{1,512})$/i;
const QUERY_TOKEN = /^[A-Za-z0-9_-]{1,512}$/;

export function requireBoardAccess(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const fleet = c.var.fleet;
    const header = c.req.header("authorization");
    const queryToken = c.req.query("token");
    if (header !== undefined) {
      const token = BEARER.exec(header.trim())?.[1];
      if (!token) throw unauthorized("malformed Authorization header; expected Bearer <token>");
      c.set("principal", _boardOrAdmin(fleet, token));
    } else if (queryToken !== undefined) {
      if (!QUERY_TOKEN.test(queryToken) || !_isBoardToken(fleet, queryToken))
        throw unauthorized("invalid board token in ?token= (only the board token is accepted there)");
      c.set("principal", { kind: "board" });
    } else if (fleet.config.boardTokenHash) {
      throw unauthorized(
        "this board needs its read token: send Authorization: Bearer <board token> (or the admin token)",
      );
    } else {
      c.set("principal", { kind: "public" });
    }
    await next();
  };
}

function _boardOrAdmin(fleet: ServerContext, token: string): { kind: "board" } | { kind: "admin" } {
  if (_isBoardToken(fleet, token)) return { kind: "board" };
  const identity = identifyToken(fleet, token);
  if (!identity) throw unauthorized("invalid, expired or revoked token");
  if (identity.kind !== "admin") {
    const which = identity.kind === "enroll" ? "an enroll" : "a host";
    throw forbidden(`the board takes the board token or the admin token, not ${which} token`);
  }
  return identity;
}

function _isBoardToken(fleet: ServerContext, token: string): boolean {
  const stored = fleet.config.boardTokenHash;
  return !!stored && hashesEqual(stored, hashToken(token));
}
