// The rollouts resource: start one (409 while another is active), list, read, and pause,
// resume or cancel. `:id` may be "current": the active rollout, else the latest.
import type { Context } from "hono";
import type { AppEnv } from "../../context.ts";
import { changeRollout, getRollout, listRollouts, startRollout } from "../../services/rollouts/control.ts";
import type { RouteHandler, RouteHandlers } from "../define.ts";
import { actorOf } from "../params.ts";

const start: RouteHandler<"startRollout"> = async (c, { body }) => ({
  rollout: await startRollout(c.get("fleet"), body, actorOf(c)),
});

const list: RouteHandler<"listRollouts"> = (c) => ({ rollouts: listRollouts(c.get("fleet")) });

const get: RouteHandler<"getRollout"> = (c, { params }) => ({
  rollout: getRollout(c.get("fleet"), params.id),
});

/** The three changes share a declaration: a rollout's id in, the changed rollout out. */
const change =
  (what: "pause" | "resume" | "cancel") =>
  async (c: Context<AppEnv>, { params }: { params: { id: string } }) => ({
    rollout: await changeRollout(c.get("fleet"), params.id, what, actorOf(c)),
  });

export const rolloutRoutes = {
  startRollout: start,
  listRollouts: list,
  getRollout: get,
  pauseRollout: change("pause"),
  resumeRollout: change("resume"),
  cancelRollout: change("cancel"),
} satisfies RouteHandlers;
