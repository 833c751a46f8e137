// POST /api/v1/config/target/pin and /unpin: hold the target at one commit, or let it go.
import { pinTarget, unpinTarget } from "../../services/config/pin.ts";
import type { RouteHandler } from "../define.ts";
import { actorOf } from "../params.ts";

export const pinConfigTarget: RouteHandler<"pinConfigTarget"> = (c, { body }) =>
  pinTarget(c.get("fleet"), body.commit, actorOf(c));

export const unpinConfigTarget: RouteHandler<"unpinConfigTarget"> = (c) =>
  unpinTarget(c.get("fleet"), actorOf(c));
