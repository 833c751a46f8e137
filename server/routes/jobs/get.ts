// GET /api/v1/jobs/:id?after=<seq>: a job and its output; `after` lets a follower fetch only new lines.
import { z } from "zod";
import { parseQuery } from "../../middleware/body/index.ts";
import { jobDetail } from "../../services/jobs.ts";
import type { RouteHandler } from "../define.ts";
import { idParam } from "../params.ts";

/** Exported for docs/protocol.md, which is generated from the schemas. */
export const GetJobQuery = z.object({ after: z.coerce.number().int().min(-1).optional() });

export const getJobRoute: RouteHandler = (c) => {
  const jobId = idParam(c, "job");
  const query = parseQuery(c, GetJobQuery);
  return c.json(jobDetail(c.var.fleet, jobId, query.after));
};
