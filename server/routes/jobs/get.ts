// GET /api/v1/jobs/:id?after=<seq>: a job and its output; `after` lets a follower fetch only new lines.
import { jobDetail } from "../../services/jobs.ts";
import type { RouteHandler } from "../define.ts";

export const getJobRoute: RouteHandler<"getJob"> = (c, { params, query }) =>
  jobDetail(c.get("fleet"), params.id, query.after);
