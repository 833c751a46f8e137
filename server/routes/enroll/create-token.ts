// POST /api/v1/enroll-tokens: mint a single-use enroll token and the install one-liner using it.
import { CreateEnrollTokenRequest } from "../../../protocol/enroll.ts";
import { parseBody } from "../../middleware/body/index.ts";
import { createEnrollToken } from "../../services/enroll.ts";
import type { RouteHandler } from "../define.ts";
import { actorOf } from "../params.ts";

export const createEnrollTokenRoute: RouteHandler = async (c) => {
  const request = parseBody(c, CreateEnrollTokenRequest);
  return c.json(await createEnrollToken(c.var.fleet, request, actorOf(c)), 201);
};
