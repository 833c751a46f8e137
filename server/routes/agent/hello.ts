// POST /api/v1/agent/hello: the agent says who it is; fleetd answers whether it is current.
import { Hello } from "../../../protocol/agent.ts";
import { jsonBody, validate } from "../../middleware/body/index.ts";
import { assertProtocol, recordHello } from "../../services/agent-hello.ts";
import type { RouteHandler } from "../define.ts";
import { callingHostId } from "../params.ts";

export const agentHello: RouteHandler = async (c) => {
  const raw = jsonBody(c);
  assertProtocol(raw);
  const hello = validate(Hello, raw, "hello");
  return c.json(await recordHello(c.var.fleet, callingHostId(c), hello));
};
