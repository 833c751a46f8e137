// POST /api/v1/agent/state: the host's config state, on its own host only. Sent again unchanged,
// it changes and writes nothing.
import { recordHostState } from "../../services/config/report.ts";
import type { RouteHandler } from "../define.ts";
import { callingHostId } from "../params.ts";

export const agentState: RouteHandler<"agentState"> = async (c, { body }) => {
  await recordHostState(c.get("fleet"), callingHostId(c), body);
  return { ok: true as const };
};
