// POST /api/v1/hosts/:id/update: update the host's agent to the build fleetd serves.
import { UpdateRequest } from "../../../protocol/updates.ts";
import { parseBody } from "../../middleware/body/index.ts";
import { dispatchUpdate } from "../../services/updates.ts";
import type { RouteHandler } from "../define.ts";
import { actorOf, idParam } from "../params.ts";

export const updateHostRoute: RouteHandler = async (c) => {
  const hostId = idParam(c, "host");
  const request = parseBody(c, UpdateRequest);
  const job = await dispatchUpdate(c.var.fleet, hostId, request, actorOf(c));
  return c.json({ job }, 201);
};
