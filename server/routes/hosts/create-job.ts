// POST /api/v1/hosts/:id/jobs: queue an operation for a host. A busy host queues it, never refuses.
import { requireHost } from "../../services/hosts.ts";
import { createJob } from "../../services/jobs.ts";
import type { RouteImpl } from "../define.ts";
import { actorOf } from "../params.ts";

export const createJobRoute: RouteImpl<"createJob"> = {
  before: (c, { params }) => void requireHost(c.get("fleet"), params.id),
  handle: async (c, { params, body }) => ({
    job: await createJob(c.get("fleet"), params.id, body, actorOf(c)),
  }),
};
