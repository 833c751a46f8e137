// POST /api/v1/enroll-tokens: mint a single-use enroll token and the install one-liner using it.
import { createEnrollToken } from "../../services/enroll.ts";
import type { RouteHandler } from "../define.ts";
import { actorOf } from "../params.ts";

export const createEnrollTokenRoute: RouteHandler<"createEnrollToken"> = (c, { body }) =>
  createEnrollToken(c.get("fleet"), body, actorOf(c));
