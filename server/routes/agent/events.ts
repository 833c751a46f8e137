// POST /api/v1/agent/jobs/:id/events: output and progress of a job this host runs.
import { recordJobEvents, requireOwnJob } from "../../services/job-reports.ts";
import type { RouteImpl } from "../define.ts";
import { callingHostId } from "../params.ts";

export const agentJobEvents: RouteImpl<"agentJobEvents"> = {
  before: (c, { params }) => void requireOwnJob(c.get("fleet"), callingHostId(c), params.id),
  handle: (c, { params, body }) => recordJobEvents(c.get("fleet"), callingHostId(c), params.id, body),
};
