// POST /api/v1/hosts/:id/revoke: invalidate a host's token (lost or retired machine); the host
// record and its history stay, and the agent is told its token was revoked from then on.
import { revokeHost } from "../../services/hosts.ts";
import type { RouteHandler } from "../define.ts";
import { actorOf } from "../params.ts";

export const revokeHostRoute: RouteHandler<"revokeHost"> = async (c, { params }) => ({
  host: await revokeHost(c.get("fleet"), params.id, actorOf(c)),
});
