// DELETE /api/v1/hosts/:id: forget a host, revoke its token and end its jobs.
import { deleteHost } from "../../services/hosts.ts";
import type { RouteHandler } from "../define.ts";
import { actorOf } from "../params.ts";

export const deleteHostRoute: RouteHandler<"deleteHost"> = async (c, { params }) => {
  await deleteHost(c.get("fleet"), params.id, actorOf(c));
  return { ok: true as const };
};
