// The hosts resource for the operator: list, read, delete, revoke, and queue jobs on a host.
import type { RouteHandlers } from "../define.ts";
import { createJobRoute } from "./create-job.ts";
import { deleteHostRoute } from "./delete.ts";
import { getHostRoute } from "./get.ts";
import { listHostsRoute } from "./list.ts";
import { revokeHostRoute } from "./revoke.ts";
import { updateHostRoute } from "./update.ts";

export const hostRoutes = {
  listHosts: listHostsRoute,
  getHost: getHostRoute,
  deleteHost: deleteHostRoute,
  revokeHost: revokeHostRoute,
  createJob: createJobRoute,
  updateHost: updateHostRoute,
} satisfies RouteHandlers;
