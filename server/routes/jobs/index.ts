// The jobs resource for the operator: list, read with output, cancel.
import type { RouteHandlers } from "../define.ts";
import { cancelJobRoute } from "./cancel.ts";
import { getJobRoute } from "./get.ts";
import { listJobsRoute } from "./list.ts";

export const jobRoutes = {
  listJobs: listJobsRoute,
  getJob: getJobRoute,
  cancelJob: cancelJobRoute,
} satisfies RouteHandlers;
