// GET /api/v1/jobs?host=&state=&limit=: jobs newest first.
import { listJobs } from "../../services/jobs.ts";
import type { RouteHandler } from "../define.ts";

export const listJobsRoute: RouteHandler<"listJobs"> = (c, { query }) => ({
  jobs: listJobs(c.get("fleet"), { hostId: query.host, state: query.state, limit: query.limit }),
});
