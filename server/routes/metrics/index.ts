// GET /metrics: the series of docs/metrics.md in Prometheus' text format, for a Prometheus server
// holding the metrics token (or the admin token). The fleet's gauges are counted as it is asked.
import type { RouteHandler, RouteHandlers } from "../define.ts";

const metrics: RouteHandler<"metrics"> = async (c) => {
  const { metrics } = c.get("fleet");
  return c.body(await metrics.render(), 200, {
    "content-type": metrics.contentType,
    "cache-control": "no-store",
  });
};

export const metricsRoutes = { metrics } satisfies RouteHandlers;
