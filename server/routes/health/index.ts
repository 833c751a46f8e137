// GET /api/v1/health: unauthenticated liveness and version, for load balancers and install.sh.
import { VERSION } from "../../../protocol/build-info.ts";
import type { RouteHandler, RouteHandlers } from "../define.ts";

const health: RouteHandler = (c) => c.json({ ok: true as const, version: VERSION });

export const healthRoutes = { health } satisfies RouteHandlers;
