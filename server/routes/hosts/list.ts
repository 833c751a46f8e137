// GET /api/v1/hosts?tag=: every enrolled host (or those with the tag) with live presence, version
// status and config state, and the config target they were compared with.
import { listHosts } from "../../services/hosts.ts";
import type { RouteHandler } from "../define.ts";

export const listHostsRoute: RouteHandler<"listHosts"> = (c, { query }) => listHosts(c.get("fleet"), query);
