// Board access (auth "board" in the route table). The board's data needs a token by default: the
// board token (--board-token, for wall displays) or the admin token as a Bearer header, or the
// board token as ?token= (an <img> badge or a wall display cannot send headers; the admin token is
// never taken from a URL, where it would end up in logs and browser history). Only with
// --public-board does a request without a token get in, as the "public" principal, whose
// documents leave out job output and paths (server/services/board-redact.ts). A header that is
// sent must be valid even on a public board, so a mistyped token is noticed, not ignored.
import type { MiddlewareHandler } from "hono";
import type { AppEnv, ServerContext } from "../../context.ts";
import { forbidden, unauthorized } from "../../errors.ts";
import { identifyToken } from "../../services/auth.ts";
import { hashesEqual, hashToken } from "../../services/tokens.ts";
import { bearerToken, isWellFormedToken } from "./bearer.ts";

const NEEDS_BOARD_TOKEN =
  "this board needs its read token: send Authorization: Bearer <board token> (or the admin token)";
/** No board token configured: say every way in, since the reader may be the operator on day one. */
const NEEDS_ANY_TOKEN =
  "the board shows fleet data only with a token: use the admin token (the admin-token file in " +
  "fleetd's data directory), or start fleetd with --board-token <token> (a read-only token for " +
  "wall displays) or --public-board (readable by anyone, job output and paths left out)";

export function requireBoardAccess(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const fleet = c.get("fleet");
    const header = c.req.header("authorization");
    const queryToken = c.req.query("token");
    if (header !== undefined) {
      c.set("principal", _boardOrAdmin(fleet, bearerToken(header)));
    } else if (queryToken !== undefined) {
      if (!isWellFormedToken(queryToken) || !_isBoardToken(fleet, queryToken))
        throw unauthorized("invalid board token in ?token= (only the board token is accepted there)");
      c.set("principal", { kind: "board" });
    } else if (fleet.config.publicBoard) {
      c.set("principal", { kind: "public" });
    } else {
      throw unauthorized(fleet.config.boardTokenHash ? NEEDS_BOARD_TOKEN : NEEDS_ANY_TOKEN);
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
