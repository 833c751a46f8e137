// GET /api/v1/enroll-tokens: every remembered enroll token, newest first, never the secret.
// POST /api/v1/enroll-tokens/:id/revoke: an unused token can no longer enroll a host.
import { listEnrollTokens, revokeEnrollToken } from "../../services/enroll-tokens.ts";
import type { RouteHandler } from "../define.ts";
import { actorOf } from "../params.ts";

export const listEnrollTokensRoute: RouteHandler<"listEnrollTokens"> = (c) => ({
  tokens: listEnrollTokens(c.get("fleet")),
});

export const revokeEnrollTokenRoute: RouteHandler<"revokeEnrollToken"> = async (c, { params }) => ({
  token: await revokeEnrollToken(c.get("fleet"), params.id, actorOf(c)),
});
