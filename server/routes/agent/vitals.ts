// POST /api/v1/agent/vitals: one vitals sample of this host. Sent again, it changes nothing.
import { recordVitals } from "../../services/vitals/record.ts";
import type { RouteHandler } from "../define.ts";
import { callingHostId } from "../params.ts";

export const agentVitals: RouteHandler<"agentVitals"> = async (c, { body }) => {
  await recordVitals(c.get("fleet"), callingHostId(c), body);
  return { ok: true as const };
};
