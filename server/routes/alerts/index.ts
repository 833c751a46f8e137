// GET /api/v1/alerts?all=1: open alerts (and resolved ones with all=1), newest first.
import { z } from "zod";
import { parseQuery } from "../../middleware/body/index.ts";
import { listAlerts } from "../../services/alerts.ts";
import type { RouteHandler, RouteHandlers } from "../define.ts";

/** Exported for docs/protocol.md, which is generated from the schemas. */
export const ListAlertsQuery = z.object({ all: z.enum(["0", "1", "true", "false"]).optional() });

const listAlertsRoute: RouteHandler = (c) => {
  const query = parseQuery(c, ListAlertsQuery);
  const all = query.all === "1" || query.all === "true";
  return c.json({ alerts: listAlerts(c.var.fleet, all) });
};

export const alertRoutes = { listAlerts: listAlertsRoute } satisfies RouteHandlers;
