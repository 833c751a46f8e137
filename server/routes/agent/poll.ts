// GET /api/v1/agent/poll?wait=<seconds>: held until there is a command or the window runs out.
import { noteAgentActivity } from "../../middleware/auth/index.ts";
import { pollForCommand } from "../../services/poll.ts";
import type { RouteHandler } from "../define.ts";
import { callingHostId } from "../params.ts";

/** Extra idle time on a held poll's connection, so Bun never closes it before fleetd answers. */
export const POLL_IDLE_MARGIN_SECONDS = 15;
/** Bun's per-request idle timeout cannot go higher. */
const BUN_MAX_IDLE_SECONDS = 255;

export const agentPoll: RouteHandler<"agentPoll"> = async (c, { query }) => {
  const fleet = c.get("fleet");
  const hostId = callingHostId(c);
  const window = fleet.config.pollWindowMs;
  const waitMs = Math.min(query.wait === undefined ? window : query.wait * 1000, window);
  const idleSeconds = Math.min(Math.ceil(waitMs / 1000) + POLL_IDLE_MARGIN_SECONDS, BUN_MAX_IDLE_SECONDS);
  c.env?.server?.timeout(c.req.raw, idleSeconds);
  noteAgentActivity(fleet, hostId);
  const command = await pollForCommand(fleet, hostId, waitMs, c.req.raw.signal);
  return { command };
};
