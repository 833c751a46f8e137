// DELETE /api/v1/hosts/:id: forget a host, revoke its token and end its jobs.
import { deleteHost } from "../../services/hosts.ts";
import type { RouteHandler } from "../define.ts";
import { actorOf, idParam } from "../params.ts";

export const deleteHostRoute: RouteHandler = async (c) => {
  await deleteHost(c.var.fleet, idParam(c, "host"), actorOf(c));
  return c.json({ ok: true as const });
};
