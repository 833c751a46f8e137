// GET /api/v1/alerts?all=1: open alerts (and resolved ones with all=1), newest first.
import { listAlerts } from "../../services/alerts.ts";
import type { RouteHandler, RouteHandlers } from "../define.ts";

const listAlertsRoute: RouteHandler<"listAlerts"> = (c, { query }) => ({
  alerts: listAlerts(c.var.fleet, query.all === "1" || query.all === "true"),
});

export const alertRoutes = { listAlerts: listAlertsRoute } satisfies RouteHandlers;
