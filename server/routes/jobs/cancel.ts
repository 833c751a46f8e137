// POST /api/v1/jobs/:id/cancel: cancel now if queued, else ask the agent to stop it.
import { cancelJob } from "../../services/jobs.ts";
import type { RouteHandler } from "../define.ts";
import { actorOf, idParam } from "../params.ts";

export const cancelJobRoute: RouteHandler = async (c) => {
  const job = await cancelJob(c.var.fleet, idParam(c, "job"), actorOf(c));
  return c.json({ job });
};
