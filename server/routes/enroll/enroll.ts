// POST /api/v1/enroll: a new host trades an enroll token for its id and host token.
import { EnrollRequest } from "../../../protocol/enroll.ts";
import { parseBody } from "../../middleware/body/index.ts";
import { enrollHost } from "../../services/enroll.ts";
import type { RouteHandler } from "../define.ts";

export const enrollRoute: RouteHandler = async (c) => {
  const request = parseBody(c, EnrollRequest);
  return c.json(await enrollHost(c.var.fleet, request), 201);
};
