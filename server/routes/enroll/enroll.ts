// POST /api/v1/enroll: a new host trades an enroll token for its id and host token.
import { enrollHost } from "../../services/enroll.ts";
import type { RouteHandler } from "../define.ts";

export const enrollRoute: RouteHandler<"enroll"> = (c, { body }) => enrollHost(c.get("fleet"), body);
