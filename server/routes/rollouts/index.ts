// The rollouts resource: start one (409 while another is active), list, read, and pause,
// resume or cancel. `:id` may be "current": the active rollout, else the latest.
import { Id } from "../../../protocol/common.ts";
import { StartRolloutRequest } from "../../../protocol/rollouts.ts";
import { notFound } from "../../errors.ts";
import { parseBody } from "../../middleware/body/index.ts";
import { changeRollout, getRollout, listRollouts, startRollout } from "../../services/rollouts/control.ts";
import type { RouteHandler, RouteHandlers } from "../define.ts";
import { actorOf } from "../params.ts";

function rolloutId(c: Parameters<RouteHandler>[0]): string {
  const id = c.req.param("id") ?? "";
  if (id !== "current" && !Id.safeParse(id).success)
    throw notFound(`no rollout with id "${id.slice(0, 80)}"`);
  return id;
}

const start: RouteHandler = async (c) => {
  const rollout = await startRollout(c.var.fleet, parseBody(c, StartRolloutRequest), actorOf(c));
  return c.json({ rollout }, 201);
};

const list: RouteHandler = (c) => c.json({ rollouts: listRollouts(c.var.fleet) });

const get: RouteHandler = (c) => c.json({ rollout: getRollout(c.var.fleet, rolloutId(c)) });

const change =
  (what: "pause" | "resume" | "cancel"): RouteHandler =>
  async (c) =>
    c.json({ rollout: await changeRollout(c.var.fleet, rolloutId(c), what, actorOf(c)) });

export const rolloutRoutes = {
  startRollout: start,
  listRollouts: list,
  getRollout: get,
  pauseRollout: change("pause"),
  resumeRollout: change("resume"),
  cancelRollout: change("cancel"),
} satisfies RouteHandlers;
