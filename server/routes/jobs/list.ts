// GET /api/v1/jobs?host=&state=&limit=: jobs newest first.
import { z } from "zod";
import { Id } from "../../../protocol/common.ts";
import { JobState } from "../../../protocol/jobs.ts";
import { parseQuery } from "../../middleware/body/index.ts";
import { listJobs } from "../../services/jobs.ts";
import type { RouteHandler } from "../define.ts";

export const DEFAULT_JOB_LIST_LIMIT = 100;
export const MAX_JOB_LIST_LIMIT = 1000;

/** Exported for docs/protocol.md, which is generated from the schemas. */
export const ListJobsQuery = z.object({
  host: Id.optional(),
  state: JobState.optional(),
  limit: z.coerce.number().int().min(1).max(MAX_JOB_LIST_LIMIT).default(DEFAULT_JOB_LIST_LIMIT),
});

export const listJobsRoute: RouteHandler = (c) => {
  const query = parseQuery(c, ListJobsQuery);
  const jobs = listJobs(c.var.fleet, { hostId: query.host, state: query.state, limit: query.limit });
  return c.json({ jobs });
};
