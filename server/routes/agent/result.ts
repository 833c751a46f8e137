// POST /api/v1/agent/jobs/:id/result: how a job of this host ended. Retries are answered ok.
import { JobResult } from "../../../protocol/agent.ts";
import { parseBody } from "../../middleware/body/index.ts";
import { recordJobResult, requireOwnJob } from "../../services/job-reports.ts";
import type { RouteHandler } from "../define.ts";
import { callingHostId, idParam } from "../params.ts";

export const agentJobResult: RouteHandler = async (c) => {
  const hostId = callingHostId(c);
  const jobId = idParam(c, "job");
  requireOwnJob(c.var.fleet, hostId, jobId);
  const result = parseBody(c, JobResult);
  await recordJobResult(c.var.fleet, hostId, jobId, result);
  return c.json({ ok: true as const });
};
