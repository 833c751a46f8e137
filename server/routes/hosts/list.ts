// GET /api/v1/hosts: every enrolled host with live presence and version status.
import { listHosts } from "../../services/hosts.ts";
import type { RouteHandler } from "../define.ts";

export const listHostsRoute: RouteHandler<"listHosts"> = (c) => ({ hosts: listHosts(c.var.fleet) });
