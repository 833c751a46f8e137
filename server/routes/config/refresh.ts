// POST /api/v1/config/refresh: read the config repo's branch head now (after a push), answered
// once it is read. A failed read is not an error of the request: the answer's `error` says it.
import type { RouteHandler } from "../define.ts";

export const refreshConfigTarget: RouteHandler<"refreshConfigTarget"> = async (c) => {
  const tracker = c.get("fleet").configTarget;
  await tracker.refresh();
  return tracker.describe();
};
