// POST /api/v1/hosts/:id/update: update the host's agent to the build fleetd serves.
import { dispatchUpdate } from "../../services/updates.ts";
import type { RouteHandler } from "../define.ts";
import { actorOf } from "../params.ts";

export const updateHostRoute: RouteHandler<"updateHost"> = async (c, { params, body }) => ({
  job: await dispatchUpdate(c.get("fleet"), params.id, body, actorOf(c)),
});
