// GET /api/v1/config/target: the target, where it comes from, the pin and the last read's error.
import type { RouteHandler } from "../define.ts";

export const getConfigTarget: RouteHandler<"getConfigTarget"> = (c) => c.get("fleet").configTarget.describe();
