// GET /api/v1/hosts/:id: one host and its most recent jobs.
import { hostDetail } from "../../services/hosts.ts";
import type { RouteHandler } from "../define.ts";
import { idParam } from "../params.ts";

export const getHostRoute: RouteHandler = (c) => c.json(hostDetail(c.var.fleet, idParam(c, "host")));
