// POST /api/v1/hosts/:id/jobs: queue an operation for a host. A busy host queues it, never refuses.
import { CreateJobRequest } from "../../../protocol/jobs.ts";
import { parseBody } from "../../middleware/body/index.ts";
import { requireHost } from "../../services/hosts.ts";
import { createJob } from "../../services/jobs.ts";
import type { RouteHandler } from "../define.ts";
import { actorOf, idParam } from "../params.ts";

export const createJobRoute: RouteHandler = async (c) => {
  const hostId = idParam(c, "host");
  requireHost(c.var.fleet, hostId);
  const request = parseBody(c, CreateJobRequest);
  const job = await createJob(c.var.fleet, hostId, request, actorOf(c));
  return c.json({ job }, 201);
};
