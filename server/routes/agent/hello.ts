// POST /api/v1/agent/hello: the agent says who it is; fleetd answers whether it is current.
import { jsonBody } from "../../middleware/body/index.ts";
import { assertProtocol, recordHello } from "../../services/agent-hello.ts";
import type { RouteImpl } from "../define.ts";
import { callingHostId } from "../params.ts";

export const agentHello: RouteImpl<"agentHello"> = {
  // An agent of another protocol is told so, rather than what its hello lacks.
  before: (c) => assertProtocol(jsonBody(c)),
  handle: (c, { body }) => recordHello(c.get("fleet"), callingHostId(c), body),
};
