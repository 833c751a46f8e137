// POST /api/v1/agent/jobs/:id/events: output and progress of a job this host runs.
import { JobEvents } from "../../../protocol/agent.ts";
import { parseBody } from "../../middleware/body/index.ts";
import { recordJobEvents, requireOwnJob } from "../../services/job-reports.ts";
import type { RouteHandler } from "../define.ts";
import { callingHostId, idParam } from "../params.ts";

export const agentJobEvents: RouteHandler = async (c) => {
  const hostId = callingHostId(c);
  const jobId = idParam(c, "job");
  requireOwnJob(c.var.fleet, hostId, jobId);
  const events = parseBody(c, JobEvents);
  return c.json(await recordJobEvents(c.var.fleet, hostId, jobId, events));
};
