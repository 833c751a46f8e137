// GET /api/v1/enroll-tokens: every remembered enroll token, newest first, never the secret.
// POST /api/v1/enroll-tokens/:id/revoke: an unused token can no longer enroll a host.
import { Id } from "../../../protocol/common.ts";
import { notFound } from "../../errors.ts";
import { listEnrollTokens, revokeEnrollToken } from "../../services/enroll-tokens.ts";
import type { RouteHandler } from "../define.ts";
import { actorOf } from "../params.ts";

export const listEnrollTokensRoute: RouteHandler = (c) => c.json({ tokens: listEnrollTokens(c.var.fleet) });

export const revokeEnrollTokenRoute: RouteHandler = async (c) => {
  const id = c.req.param("id") ?? "";
  if (!Id.safeParse(id).success) throw notFound(`no enroll token with id "${id.slice(0, 80)}"`);
  return c.json({ token: await revokeEnrollToken(c.var.fleet, id, actorOf(c)) });
};
