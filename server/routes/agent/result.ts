// POST /api/v1/agent/jobs/:id/result: how a job of this host ended. Retries are answered ok.
import { recordJobResult, requireOwnJob } from "../../services/job-reports.ts";
import type { RouteImpl } from "../define.ts";
import { callingHostId } from "../params.ts";

export const agentJobResult: RouteImpl<"agentJobResult"> = {
  before: (c, { params }) => void requireOwnJob(c.get("fleet"), callingHostId(c), params.id),
  handle: async (c, { params, body }) => {
    await recordJobResult(c.get("fleet"), callingHostId(c), params.id, body);
    return { ok: true as const };
  },
};
