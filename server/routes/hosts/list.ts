// GET /api/v1/hosts: every enrolled host with live presence and version status.
import { listHosts } from "../../services/hosts.ts";
import type { RouteHandler } from "../define.ts";

export const listHostsRoute: RouteHandler = (c) => c.json({ hosts: listHosts(c.var.fleet) });
