// GET /api/v1/health: unauthenticated liveness and version, for load balancers and install.sh,
// plus what is wrong with fleetd itself (a full data disk), for `fleetctl doctor`.
import { VERSION } from "../../../protocol/build-info.ts";
import { serverConditions } from "../../services/conditions.ts";
import type { RouteHandler, RouteHandlers } from "../define.ts";

const health: RouteHandler<"health"> = (c) => {
  const conditions = serverConditions(c.get("fleet"));
  return { ok: true as const, version: VERSION, ...(conditions.length ? { conditions } : {}) };
};

export const healthRoutes = { health } satisfies RouteHandlers;
