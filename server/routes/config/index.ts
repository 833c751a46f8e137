// The config target for the operator: read it, refresh it (also a forge's push hook), pin it.
import type { RouteHandlers } from "../define.ts";
import { pinConfigTarget, unpinConfigTarget } from "./pin.ts";
import { refreshConfigTarget } from "./refresh.ts";
import { getConfigTarget } from "./target.ts";

export const configRoutes = {
  getConfigTarget,
  refreshConfigTarget,
  pinConfigTarget,
  unpinConfigTarget,
} satisfies RouteHandlers;
