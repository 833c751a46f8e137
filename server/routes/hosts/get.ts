// GET /api/v1/hosts/:id: one host and its most recent jobs.
import { hostDetail } from "../../services/hosts.ts";
import type { RouteHandler } from "../define.ts";

export const getHostRoute: RouteHandler<"getHost"> = (c, { params }) => hostDetail(c.get("fleet"), params.id);
