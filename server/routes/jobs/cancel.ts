// POST /api/v1/jobs/:id/cancel: cancel now if queued, else ask the agent to stop it.
import { cancelJob } from "../../services/jobs.ts";
import type { RouteHandler } from "../define.ts";
import { actorOf } from "../params.ts";

export const cancelJobRoute: RouteHandler<"cancelJob"> = async (c, { params }) => ({
  job: await cancelJob(c.get("fleet"), params.id, actorOf(c)),
});
