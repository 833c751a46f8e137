// GET /api/v1/agent/poll?wait=<seconds>: held until there is a command or the window runs out.
import { z } from "zod";
import type { PollResponse } from "../../../protocol/agent.ts";
import { noteAgentActivity } from "../../middleware/auth/index.ts";
import { parseQuery } from "../../middleware/body/index.ts";
import { pollForCommand } from "../../services/poll.ts";
import type { RouteHandler } from "../define.ts";
import { callingHostId } from "../params.ts";

/** Extra idle time on a held poll's connection, so Bun never closes it before fleetd answers. */
export const POLL_IDLE_MARGIN_SECONDS = 15;
/** Bun's per-request idle timeout cannot go higher. */
const BUN_MAX_IDLE_SECONDS = 255;

/** Exported for docs/protocol.md, which is generated from the schemas. */
export const PollQuery = z.object({
  wait: z.coerce.number().nonnegative().max(3600).optional(),
});

export const agentPoll: RouteHandler = async (c) => {
  const fleet = c.var.fleet;
  const query = parseQuery(c, PollQuery);
  const hostId = callingHostId(c);
  const window = fleet.config.pollWindowMs;
  const waitMs = Math.min(query.wait === undefined ? window : query.wait * 1000, window);
  const idleSeconds = Math.min(Math.ceil(waitMs / 1000) + POLL_IDLE_MARGIN_SECONDS, BUN_MAX_IDLE_SECONDS);
  c.env?.server?.timeout(c.req.raw, idleSeconds);
  noteAgentActivity(fleet, hostId);
  const command = await pollForCommand(fleet, hostId, waitMs, c.req.raw.signal);
  const body: PollResponse = { command };
  return c.json(body);
};
